ALTER TABLE "images" ADD COLUMN "quality" real;--> statement-breakpoint
ALTER TABLE "images" ADD COLUMN "agreement" real;
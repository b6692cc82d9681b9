ALTER TABLE "posts" ALTER COLUMN "kpi" SET DATA TYPE double precision;--> statement-breakpoint
-- Rows imported before this migration hold the float4-rounded value; the exact integer is still in likes (social) or forward_actions (stock).
UPDATE "posts" SET "kpi" = coalesce("likes", "forward_actions") WHERE coalesce("likes", "forward_actions") IS NOT NULL AND "kpi" <> coalesce("likes", "forward_actions");

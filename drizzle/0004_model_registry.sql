CREATE TABLE "active_models" (
	"role" text PRIMARY KEY NOT NULL,
	"model_version_id" uuid NOT NULL,
	"previous_version_id" uuid,
	"promoted_by" uuid,
	"promoted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "active_models_role_check" CHECK ("active_models"."role" in ('boigllm', 'boigsd', 'verbalizer', 'evaluator', 'clip'))
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"role" text NOT NULL,
	"name" text NOT NULL,
	"version" text NOT NULL,
	"dir" text NOT NULL,
	"manifest_sha256" text NOT NULL,
	"manifest" jsonb NOT NULL,
	"source" text NOT NULL,
	"run_job_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_versions_role_check" CHECK ("model_versions"."role" in ('boigllm', 'boigsd', 'verbalizer', 'evaluator', 'clip')),
	CONSTRAINT "model_versions_source_check" CHECK ("model_versions"."source" in ('committed', 'run'))
);
--> statement-breakpoint
ALTER TABLE "active_models" ADD CONSTRAINT "active_models_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "active_models" ADD CONSTRAINT "active_models_previous_version_id_model_versions_id_fk" FOREIGN KEY ("previous_version_id") REFERENCES "public"."model_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "active_models" ADD CONSTRAINT "active_models_promoted_by_users_id_fk" FOREIGN KEY ("promoted_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_run_job_id_jobs_id_fk" FOREIGN KEY ("run_job_id") REFERENCES "public"."jobs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_role_dir_idx" ON "model_versions" USING btree ("role","dir");--> statement-breakpoint
CREATE INDEX "model_versions_role_created_idx" ON "model_versions" USING btree ("role","created_at");
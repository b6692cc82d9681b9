ALTER TABLE "active_models" DROP CONSTRAINT "active_models_role_check";--> statement-breakpoint
ALTER TABLE "model_versions" DROP CONSTRAINT "model_versions_role_check";--> statement-breakpoint
ALTER TABLE "active_models" ADD CONSTRAINT "active_models_role_check" CHECK ("active_models"."role" in ('boigllm', 'reward', 'boigsd', 'verbalizer', 'evaluator', 'clip'));--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_role_check" CHECK ("model_versions"."role" in ('boigllm', 'reward', 'boigsd', 'verbalizer', 'evaluator', 'clip'));
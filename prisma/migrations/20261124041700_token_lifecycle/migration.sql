-- Tokens an operator can manage: an optional expiry, revocation (kept, not deleted, so `token list`
-- still shows what existed) and the time of last use (touched at most once a minute per token).
ALTER TABLE "api_tokens" ADD COLUMN "expires_at" TIMESTAMPTZ(6);
ALTER TABLE "api_tokens" ADD COLUMN "revoked_at" TIMESTAMPTZ(6);
ALTER TABLE "api_tokens" ADD COLUMN "last_used_at" TIMESTAMPTZ(6);
CREATE INDEX "api_tokens_workspace_id_created_at_idx" ON "api_tokens"("workspace_id", "created_at");

-- Rotating a client secret keeps the old credential valid for a chosen overlap
-- (docs/decisions/0020-credential-overlap.md): the old credential gets an expiry instead of being
-- revoked. null = no expiry. A credential is usable while revoked_at is null and expires_at is null
-- or later than now; revoking still stops it at once (and cuts an overlap short).
alter table api_credentials add column if not exists expires_at timestamptz;

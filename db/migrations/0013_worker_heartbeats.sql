-- Worker heartbeats (docs/operations.md#readyz): each webhook worker writes its row every 10 s
-- while its loop runs; /readyz reads the newest. One row per worker id (host:pid:random), so a
-- restarted worker adds a row; rows older than a day are deleted by the beating workers.
create table worker_heartbeats (
  worker_id   text primary key,
  kind        text not null check (kind in ('webhooks')),
  started_at  timestamptz not null default now(),
  beat_at     timestamptz not null default now()
);
create index worker_heartbeats_beat_idx on worker_heartbeats (beat_at desc);

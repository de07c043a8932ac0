-- Admission walks only the tasks that can fit, and every waiting task is told it waits
-- (docs/architecture.md, "Admission and queueing").
--
-- abca_admit walked the first 1,000 waiting tasks of each pass in order, locking each, to find what
-- fits. With a long line that was 1,000 rows a pass, one pass for each creation while tasks wait;
-- and a task past the 1,000th stayed SUBMITTED, with no `task.status_changed` to QUEUED, until the
-- line reached it. Within a pass the counts only grow, so a task whose user or repo is at its cap
-- when the pass starts cannot fit in it, nor can any once the global cap is reached: the walk now
-- reads only the others (first come, first served among them, as before), and stops at the global
-- cap. What it admits is what the old walk admitted, except past its bound, where a task that fits
-- behind 1,000 that cannot is now reached. The tasks still SUBMITTED after the walk (new ones that
-- do not fit) are then made QUEUED, with their place in the line of waiting tasks (as a creation's
-- answer counts it) and what holds them: `global_cap`, `user_cap`, `repo_cap`, or `long_queue` (more
-- than 1,000 tasks that could fit wait before them). The new tasks are found through an index of
-- their own, so a pass reads no more of the line than it must.
CREATE INDEX tasks_submitted ON tasks (created_at, task_id) WHERE admitted_at IS NULL AND status = 'SUBMITTED';

CREATE OR REPLACE FUNCTION abca_admit(p_global integer, p_per_user integer, p_per_repo integer, p_active text[])
RETURNS TABLE (admitted_task_id text, admitted_run_seq integer, admitted_resume_step text)
LANGUAGE plpgsql AS $$
DECLARE
  n_global integer;
  per_user jsonb;
  per_repo jsonb;
  w record;
  seq integer;
  new_run integer;
  why text;
  pos integer;
  prev_created timestamptz;
  prev_id text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('abca_admission'));
  SELECT c.n_global, c.per_user, c.per_repo INTO n_global, per_user, per_repo FROM abca_active_counts(p_active) c;
  IF n_global < p_global THEN
    FOR w IN
      SELECT t.task_id, t.user_id, t.repo, t.status, t.resume_step,
             (r.settings->>'max_concurrency')::int AS repo_cap
      FROM tasks t LEFT JOIN repos r USING (repo)
      WHERE t.admitted_at IS NULL AND (t.status IN ('SUBMITTED', 'QUEUED') OR (t.status = 'AWAITING_APPROVAL'
        AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.task_id = t.task_id AND a.state = 'pending')))
        AND COALESCE((per_user->>t.user_id)::int, 0) < p_per_user
        AND COALESCE((per_repo->>t.repo)::int, 0) < COALESCE((r.settings->>'max_concurrency')::int, p_per_repo)
      ORDER BY t.status = 'AWAITING_APPROVAL' DESC, t.created_at, t.task_id LIMIT 1000
      FOR UPDATE OF t
    LOOP
      EXIT WHEN n_global >= p_global;
      -- An earlier task of this pass may have filled the user's or the repo's cap.
      CONTINUE WHEN COALESCE((per_user->>w.user_id)::int, 0) >= p_per_user
        OR COALESCE((per_repo->>w.repo)::int, 0) >= COALESCE(w.repo_cap, p_per_repo);
      seq := NULL;
      IF w.status = 'AWAITING_APPROVAL' THEN
        UPDATE tasks SET admitted_at = clock_timestamp(), run_seq = run_seq + 1, updated_at = clock_timestamp(),
          event_seq = event_seq + 1
        WHERE task_id = w.task_id AND status = 'AWAITING_APPROVAL' RETURNING run_seq, event_seq INTO new_run, seq;
        IF seq IS NOT NULL THEN
          INSERT INTO task_events (task_id, seq, type, data) VALUES (w.task_id, seq, 'task.admitted', '{}');
        END IF;
        admitted_run_seq := COALESCE(new_run, 1);
        admitted_resume_step := w.resume_step;
      ELSE
        UPDATE tasks SET admitted_at = clock_timestamp(), status = 'SUBMITTED', updated_at = clock_timestamp(),
          event_seq = event_seq + CASE WHEN w.status = 'QUEUED' THEN 2 ELSE 1 END
        WHERE task_id = w.task_id AND status IN ('SUBMITTED', 'QUEUED') RETURNING event_seq INTO seq;
        IF seq IS NOT NULL THEN
          IF w.status = 'QUEUED' THEN
            INSERT INTO task_events (task_id, seq, type, data) VALUES (w.task_id, seq - 1, 'task.status_changed',
              jsonb_build_object('from', 'QUEUED', 'to', 'SUBMITTED', 'reason', 'slot_available'));
          END IF;
          INSERT INTO task_events (task_id, seq, type, data) VALUES (w.task_id, seq, 'task.admitted', '{}');
        END IF;
        admitted_run_seq := 0;
        admitted_resume_step := NULL;
      END IF;
      n_global := n_global + 1;
      per_user := jsonb_set(per_user, ARRAY[w.user_id], to_jsonb(COALESCE((per_user->>w.user_id)::int, 0) + 1));
      per_repo := jsonb_set(per_repo, ARRAY[w.repo], to_jsonb(COALESCE((per_repo->>w.repo)::int, 0) + 1));
      admitted_task_id := w.task_id;
      RETURN NEXT;
    END LOOP;
  END IF;
  -- What is still SUBMITTED waits: QUEUED, with its place in line and what holds it.
  FOR w IN
    SELECT t.task_id, t.user_id, t.repo, t.created_at, (r.settings->>'max_concurrency')::int AS repo_cap
    FROM tasks t LEFT JOIN repos r USING (repo)
    WHERE t.admitted_at IS NULL AND t.status = 'SUBMITTED'
    ORDER BY t.created_at, t.task_id
    FOR UPDATE OF t
  LOOP
    -- The first one's place is counted from the head of the line; each next one's from the one
    -- before it (the new tasks are usually next to each other at its end).
    IF prev_id IS NULL THEN
      SELECT count(*)::int INTO pos FROM tasks q
      WHERE q.admitted_at IS NULL AND q.status IN ('SUBMITTED', 'QUEUED')
        AND (q.created_at, q.task_id) <= (w.created_at, w.task_id);
    ELSE
      SELECT pos + count(*)::int INTO pos FROM tasks q
      WHERE q.admitted_at IS NULL AND q.status IN ('SUBMITTED', 'QUEUED')
        AND (q.created_at, q.task_id) > (prev_created, prev_id)
        AND (q.created_at, q.task_id) <= (w.created_at, w.task_id);
    END IF;
    prev_created := w.created_at;
    prev_id := w.task_id;
    why := CASE
      WHEN n_global >= p_global THEN 'global_cap'
      WHEN COALESCE((per_user->>w.user_id)::int, 0) >= p_per_user THEN 'user_cap'
      WHEN COALESCE((per_repo->>w.repo)::int, 0) >= COALESCE(w.repo_cap, p_per_repo) THEN 'repo_cap'
      ELSE 'long_queue' END;
    UPDATE tasks SET status = 'QUEUED', updated_at = clock_timestamp(), event_seq = event_seq + 1
    WHERE task_id = w.task_id AND status = 'SUBMITTED' AND admitted_at IS NULL RETURNING event_seq INTO seq;
    IF seq IS NOT NULL THEN
      INSERT INTO task_events (task_id, seq, type, data) VALUES (w.task_id, seq, 'task.status_changed',
        jsonb_build_object('from', 'SUBMITTED', 'to', 'QUEUED', 'reason', why, 'queue_position', pos));
    END IF;
  END LOOP;
END $$;

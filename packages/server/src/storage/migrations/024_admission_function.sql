-- Admission in one round trip (orchestrator/dispatcher.ts; docs/benchmarks.md, task creation).
-- Gives free concurrency slots to waiting tasks in submission order (FIFO), within the global,
-- per-user and per-repo caps, and moves new tasks that do not fit to QUEUED, with their events.
-- Under an advisory lock held to the end of the caller's transaction, so the caps hold across every
-- process sharing the database; the waiting rows are locked while it decides, so a cancel committed
-- meanwhile is never written back to SUBMITTED or QUEUED. A task blocked by its own user's or
-- repo's cap does not block tasks of others behind it. A task whose approval request was decided is
-- admitted first (a person waits on it) and its next run (`run_seq`) starts where it asked.
-- Returns the tasks admitted now: the caller starts their workflows.
CREATE FUNCTION abca_admit(p_global integer, p_per_user integer, p_per_repo integer, p_active text[])
RETURNS TABLE (admitted_task_id text, admitted_run_seq integer, admitted_resume_step text)
LANGUAGE plpgsql AS $$
DECLARE
  n_global integer;
  per_user jsonb;
  per_repo jsonb;
  w record;
  fits boolean;
  n_pos integer := 0;
  seq integer;
  new_run integer;
  why text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('abca_admission'));
  SELECT count(*)::int INTO n_global FROM tasks WHERE admitted_at IS NOT NULL AND status = ANY(p_active);
  SELECT COALESCE(jsonb_object_agg(user_id, n), '{}'::jsonb) INTO per_user FROM (
    SELECT user_id, count(*)::int AS n FROM tasks
    WHERE admitted_at IS NOT NULL AND status = ANY(p_active) GROUP BY user_id) c;
  SELECT COALESCE(jsonb_object_agg(repo, n), '{}'::jsonb) INTO per_repo FROM (
    SELECT repo, count(*)::int AS n FROM tasks
    WHERE admitted_at IS NOT NULL AND status = ANY(p_active) GROUP BY repo) c;
  FOR w IN
    SELECT t.task_id, t.user_id, t.repo, t.status, t.resume_step,
           (r.settings->>'max_concurrency')::int AS repo_cap
    FROM tasks t LEFT JOIN repos r USING (repo)
    WHERE t.admitted_at IS NULL AND (t.status IN ('SUBMITTED', 'QUEUED') OR (t.status = 'AWAITING_APPROVAL'
      AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.task_id = t.task_id AND a.state = 'pending')))
    ORDER BY t.status = 'AWAITING_APPROVAL' DESC, t.created_at, t.task_id LIMIT 1000
    FOR UPDATE OF t
  LOOP
    fits := n_global < p_global
      AND COALESCE((per_user->>w.user_id)::int, 0) < p_per_user
      AND COALESCE((per_repo->>w.repo)::int, 0) < COALESCE(w.repo_cap, p_per_repo);
    IF fits AND w.status = 'AWAITING_APPROVAL' THEN
      UPDATE tasks SET admitted_at = clock_timestamp(), run_seq = run_seq + 1, updated_at = clock_timestamp(),
        event_seq = event_seq + 1
      WHERE task_id = w.task_id AND status = 'AWAITING_APPROVAL' RETURNING run_seq, event_seq INTO new_run, seq;
      IF seq IS NOT NULL THEN
        INSERT INTO task_events (task_id, seq, type, data) VALUES (w.task_id, seq, 'task.admitted', '{}');
      END IF;
      n_global := n_global + 1;
      per_user := jsonb_set(per_user, ARRAY[w.user_id], to_jsonb(COALESCE((per_user->>w.user_id)::int, 0) + 1));
      per_repo := jsonb_set(per_repo, ARRAY[w.repo], to_jsonb(COALESCE((per_repo->>w.repo)::int, 0) + 1));
      admitted_task_id := w.task_id;
      admitted_run_seq := COALESCE(new_run, 1);
      admitted_resume_step := w.resume_step;
      RETURN NEXT;
    ELSIF w.status = 'AWAITING_APPROVAL' THEN
      -- Decided, no slot yet: it keeps waiting where it is, first in line.
      NULL;
    ELSIF fits THEN
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
      n_global := n_global + 1;
      per_user := jsonb_set(per_user, ARRAY[w.user_id], to_jsonb(COALESCE((per_user->>w.user_id)::int, 0) + 1));
      per_repo := jsonb_set(per_repo, ARRAY[w.repo], to_jsonb(COALESCE((per_repo->>w.repo)::int, 0) + 1));
      admitted_task_id := w.task_id;
      admitted_run_seq := 0;
      admitted_resume_step := NULL;
      RETURN NEXT;
    ELSE
      n_pos := n_pos + 1;
      IF w.status = 'SUBMITTED' THEN
        why := CASE
          WHEN n_global >= p_global THEN 'global_cap'
          WHEN COALESCE((per_user->>w.user_id)::int, 0) >= p_per_user THEN 'user_cap'
          ELSE 'repo_cap' END;
        UPDATE tasks SET status = 'QUEUED', updated_at = clock_timestamp(), event_seq = event_seq + 1
        WHERE task_id = w.task_id AND status = 'SUBMITTED' RETURNING event_seq INTO seq;
        IF seq IS NOT NULL THEN
          INSERT INTO task_events (task_id, seq, type, data) VALUES (w.task_id, seq, 'task.status_changed',
            jsonb_build_object('from', 'SUBMITTED', 'to', 'QUEUED', 'reason', why, 'queue_position', n_pos));
        END IF;
      END IF;
    END IF;
  END LOOP;
END $$;

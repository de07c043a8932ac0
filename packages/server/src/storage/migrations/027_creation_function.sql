-- Task creation in one statement (store/task-creations.ts; docs/benchmarks.md, task creation).

-- The tasks holding a slot (admitted, in one of `p_active`): in all, by user and by repo, in one
-- pass over the `tasks_active` index (admission read them three times). The index's own condition
-- is spelled out: with `status = ANY(p_active)` alone a cached plan cannot know the index covers
-- the rows asked for, and read every task the platform ever ran.
CREATE FUNCTION abca_active_counts(p_active text[], OUT n_global integer, OUT per_user jsonb, OUT per_repo jsonb)
LANGUAGE sql STABLE AS $$
  WITH c AS (
    SELECT user_id, repo, count(*)::int AS n FROM tasks
    WHERE admitted_at IS NOT NULL AND status IN ('SUBMITTED', 'HYDRATING', 'RUNNING', 'AWAITING_APPROVAL', 'FINALIZING')
      AND status = ANY(p_active)
    GROUP BY user_id, repo)
  SELECT COALESCE((SELECT sum(n) FROM c), 0)::int,
    COALESCE((SELECT jsonb_object_agg(user_id, s) FROM (SELECT user_id, sum(n)::int AS s FROM c GROUP BY user_id) u), '{}'::jsonb),
    COALESCE((SELECT jsonb_object_agg(repo, s) FROM (SELECT repo, sum(n)::int AS s FROM c GROUP BY repo) r), '{}'::jsonb)
$$;

-- A task's event notification names the task only (it named the event too): listeners re-read the
-- task's log from their cursor, and a transaction's several events of one task notify once.
CREATE OR REPLACE FUNCTION task_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('abca_task_events', NEW.task_id);
  RETURN NEW;
END $$;

-- abca_admit counts the active tasks in one pass; what it decides is unchanged (migration 024).
CREATE OR REPLACE FUNCTION abca_admit(p_global integer, p_per_user integer, p_per_repo integer, p_active text[])
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
  SELECT c.n_global, c.per_user, c.per_repo INTO n_global, per_user, per_repo FROM abca_active_counts(p_active) c;
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

-- The answer of a creation for the given tasks: each row as JSON, its place in line (1-based, FIFO
-- by submission) when it waits for a slot, and the mean duration of the last 20 finished tasks in
-- seconds (its wait's estimate; read only when one of them waits). Each task is read by its key,
-- one look-up each (a join with the ids may be planned as a scan of the whole table while its
-- statistics lag behind its growth), and its place counted on the waiting tasks' index up to it:
-- the cost follows the group and the places, not the table.
CREATE FUNCTION abca_created_tasks(p_ids text[])
RETURNS TABLE (task_id text, task jsonb, queue_position integer, mean_duration_s float8)
LANGUAGE plpgsql AS $$
DECLARE
  id text;
  r tasks%ROWTYPE;
  mean float8;
  mean_read boolean := false;
BEGIN
  FOREACH id IN ARRAY p_ids LOOP
    CONTINUE WHEN id IS NULL;
    SELECT * INTO r FROM tasks t WHERE t.task_id = id;
    CONTINUE WHEN NOT FOUND;
    task_id := r.task_id;
    task := to_jsonb(r);
    queue_position := NULL;
    IF r.admitted_at IS NULL AND r.status IN ('SUBMITTED', 'QUEUED') THEN
      SELECT count(*)::int INTO queue_position FROM tasks q
      WHERE q.admitted_at IS NULL AND q.status IN ('SUBMITTED', 'QUEUED')
        AND (q.created_at, q.task_id) <= (r.created_at, r.task_id);
      IF NOT mean_read THEN
        SELECT avg(extract(epoch FROM d.completed_at - d.started_at))::float8 INTO mean FROM (
          SELECT t.completed_at, t.started_at FROM tasks t WHERE t.status = 'COMPLETED' AND t.started_at IS NOT NULL
          ORDER BY t.completed_at DESC LIMIT 20) d;
        mean_read := true;
      END IF;
    END IF;
    mean_duration_s := CASE WHEN queue_position IS NOT NULL THEN mean END;
    RETURN NEXT;
  END LOOP;
END $$;

-- Creates a group of tasks in one statement, one transaction: for each item, in order, the repo
-- check, the idempotency key (an earlier task with the key is answered again, or refused when it
-- is another user's), the monthly budgets (the user's, then the repo's), then the task row with its
-- `task.created` event. With `p_admit`, admission decides under its lock (held to the end of the
-- transaction, as abca_admit's): when no task waits for a slot (the usual case), each new task is
-- admitted or queued as it is stored, in order, within the caps (its row written once, with its
-- `task.admitted` or `task.status_changed` event: what abca_admit would have written); when tasks
-- wait, the new ones are stored waiting and abca_admit decides for all, first come first served.
-- With `p_notify` that channel is told, at commit, when any task was admitted. Answers a row per
-- item (`item`, 1-based, with its `outcome`: created, replay, conflict, not_onboarded, budget) with
-- the task's row after admission and its place in line, and a row per task admitted now (`outcome`
-- admitted; with abca_admit it may be an older task that waited).
--
-- An item (JSON, built by store/task-creations.ts): task_id, user_id, repo, workflow_ref,
-- task_description, issue_number, pr_number, max_turns, max_budget_usd (absent: the repo's setting,
-- then default_max_turns / default_max_budget_usd), idempotency_key, branch_name, channel,
-- channel_ref, memory, created_event (the event's data).
CREATE FUNCTION abca_create_tasks(p_items jsonb, p_month_start timestamptz, p_next_month timestamptz,
  p_admit boolean, p_global integer, p_per_user integer, p_per_repo integer, p_active text[], p_notify text)
RETURNS TABLE (item integer, outcome text, task jsonb, queue_position integer, mean_duration_s float8,
  settings jsonb, budget_scope text, budget_usd float8, spent_usd float8,
  admitted_task_id text, admitted_run_seq integer, admitted_resume_step text)
LANGUAGE plpgsql AS $$
DECLARE
  it jsonb;
  n integer := 0;
  outcomes text[] := '{}';
  ids text[] := '{}';
  repo_settings jsonb[] := '{}';
  scopes text[] := '{}';
  budgets float8[] := '{}';
  spents float8[] := '{}';
  admitted_now text[] := '{}';
  s jsonb;
  user_budget float8;
  spent float8;
  found_id text;
  found_user text;
  new_id text;
  a record;
  direct boolean := false;
  n_global integer;
  per_user jsonb;
  per_repo jsonb;
  n_pos integer := 0;
  uid text;
  rname text;
  fits boolean;
  why text;
  told boolean := false;
BEGIN
  IF p_admit THEN
    PERFORM pg_advisory_xact_lock(hashtext('abca_admission'));
    direct := NOT EXISTS (SELECT 1 FROM tasks t WHERE t.admitted_at IS NULL AND (t.status IN ('SUBMITTED', 'QUEUED')
      OR (t.status = 'AWAITING_APPROVAL'
        AND NOT EXISTS (SELECT 1 FROM approvals ap WHERE ap.task_id = t.task_id AND ap.state = 'pending'))));
    IF direct THEN
      SELECT c.n_global, c.per_user, c.per_repo INTO n_global, per_user, per_repo FROM abca_active_counts(p_active) c;
    END IF;
  END IF;
  FOR it IN SELECT e.value FROM jsonb_array_elements(p_items) e LOOP
    n := n + 1;
    -- Every array gets its element n now: set first at a later n, an empty array would start there.
    outcomes[n] := NULL; ids[n] := NULL; repo_settings[n] := NULL; scopes[n] := NULL; budgets[n] := NULL;
    spents[n] := NULL;
    uid := it->>'user_id';
    rname := it->>'repo';
    SELECT r.settings INTO s FROM repos r WHERE r.repo = rname;
    IF NOT FOUND THEN
      outcomes[n] := 'not_onboarded';
      CONTINUE;
    END IF;
    repo_settings[n] := s;
    -- A replay of a task already created is answered as before, whatever was spent since.
    IF it->>'idempotency_key' IS NOT NULL THEN
      SELECT t.task_id, t.user_id INTO found_id, found_user FROM tasks t WHERE t.idempotency_key = it->>'idempotency_key';
      IF found_id IS NOT NULL THEN
        ids[n] := found_id;
        outcomes[n] := CASE WHEN found_user = uid THEN 'replay' ELSE 'conflict' END;
        CONTINUE;
      END IF;
    END IF;
    SELECT u.monthly_budget_usd INTO user_budget FROM users u WHERE u.user_id = uid;
    IF user_budget IS NOT NULL THEN
      SELECT COALESCE(sum(t.cost_usd), 0)::float8 INTO spent FROM tasks t
      WHERE t.user_id = uid AND t.created_at >= p_month_start AND t.created_at < p_next_month;
      IF spent >= user_budget THEN
        outcomes[n] := 'budget'; scopes[n] := 'user'; budgets[n] := user_budget; spents[n] := spent;
        CONTINUE;
      END IF;
    END IF;
    IF jsonb_typeof(s->'monthly_budget_usd') = 'number' THEN
      SELECT COALESCE(sum(t.cost_usd), 0)::float8 INTO spent FROM tasks t
      WHERE t.repo = rname AND t.created_at >= p_month_start AND t.created_at < p_next_month;
      IF spent >= (s->>'monthly_budget_usd')::float8 THEN
        outcomes[n] := 'budget'; scopes[n] := 'repo'; budgets[n] := (s->>'monthly_budget_usd')::float8;
        spents[n] := spent;
        CONTINUE;
      END IF;
    END IF;
    IF direct THEN
      fits := n_global < p_global
        AND COALESCE((per_user->>uid)::int, 0) < p_per_user
        AND COALESCE((per_repo->>rname)::int, 0) < COALESCE((s->>'max_concurrency')::int, p_per_repo);
    END IF;
    new_id := NULL;
    INSERT INTO tasks AS t (task_id, user_id, repo, status, workflow_ref, task_description, issue_number, pr_number,
      max_turns, max_budget_usd, idempotency_key, branch_name, channel, channel_ref, memory, event_seq, admitted_at)
    VALUES (it->>'task_id', uid, rname, CASE WHEN direct AND NOT fits THEN 'QUEUED' ELSE 'SUBMITTED' END,
      it->>'workflow_ref', it->>'task_description', (it->>'issue_number')::int, (it->>'pr_number')::int,
      COALESCE((it->>'max_turns')::int, (s->>'max_turns')::int, (it->>'default_max_turns')::int),
      COALESCE((it->>'max_budget_usd')::numeric, (s->>'max_budget_usd')::numeric, (it->>'default_max_budget_usd')::numeric),
      it->>'idempotency_key', it->>'branch_name', it->>'channel', it->'channel_ref', (it->>'memory')::boolean,
      CASE WHEN direct THEN 2 ELSE 1 END, CASE WHEN direct AND fits THEN clock_timestamp() END)
    ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING t.task_id INTO new_id;
    IF new_id IS NULL THEN
      -- Another transaction committed a task with this key since the look-up above.
      SELECT t.task_id, t.user_id INTO found_id, found_user FROM tasks t WHERE t.idempotency_key = it->>'idempotency_key';
      ids[n] := found_id;
      outcomes[n] := CASE WHEN found_user = uid THEN 'replay' ELSE 'conflict' END;
      CONTINUE;
    END IF;
    INSERT INTO task_events (task_id, seq, type, data) VALUES (new_id, 1, 'task.created', it->'created_event');
    IF direct AND fits THEN
      INSERT INTO task_events (task_id, seq, type, data) VALUES (new_id, 2, 'task.admitted', '{}');
      n_global := n_global + 1;
      per_user := jsonb_set(per_user, ARRAY[uid], to_jsonb(COALESCE((per_user->>uid)::int, 0) + 1));
      per_repo := jsonb_set(per_repo, ARRAY[rname], to_jsonb(COALESCE((per_repo->>rname)::int, 0) + 1));
      admitted_now := admitted_now || new_id;
    ELSIF direct THEN
      n_pos := n_pos + 1;
      why := CASE
        WHEN n_global >= p_global THEN 'global_cap'
        WHEN COALESCE((per_user->>uid)::int, 0) >= p_per_user THEN 'user_cap'
        ELSE 'repo_cap' END;
      INSERT INTO task_events (task_id, seq, type, data) VALUES (new_id, 2, 'task.status_changed',
        jsonb_build_object('from', 'SUBMITTED', 'to', 'QUEUED', 'reason', why, 'queue_position', n_pos));
    END IF;
    ids[n] := new_id;
    outcomes[n] := 'created';
  END LOOP;
  IF p_admit AND NOT direct THEN
    FOR a IN SELECT * FROM abca_admit(p_global, p_per_user, p_per_repo, p_active) LOOP
      RETURN QUERY SELECT NULL::integer, 'admitted'::text, NULL::jsonb, NULL::integer, NULL::float8, NULL::jsonb,
        NULL::text, NULL::float8, NULL::float8, a.admitted_task_id, a.admitted_run_seq, a.admitted_resume_step;
      told := true;
    END LOOP;
  ELSIF cardinality(admitted_now) > 0 THEN
    RETURN QUERY SELECT NULL::integer, 'admitted'::text, NULL::jsonb, NULL::integer, NULL::float8, NULL::jsonb,
      NULL::text, NULL::float8, NULL::float8, x.id, 0, NULL::text FROM unnest(admitted_now) AS x(id);
    told := true;
  END IF;
  IF told AND p_notify IS NOT NULL THEN
    PERFORM pg_notify(p_notify, '');
  END IF;
  RETURN QUERY
    SELECT o.i::integer, o.outcome, c.task, c.queue_position, c.mean_duration_s, o.settings, o.scope, o.budget,
      o.spent, NULL::text, NULL::integer, NULL::text
    FROM unnest(outcomes, ids, repo_settings, scopes, budgets, spents)
      WITH ORDINALITY AS o(outcome, task_id, settings, scope, budget, spent, i)
    -- Each task once (a replay in the group names the task it replays).
    LEFT JOIN abca_created_tasks(ARRAY(SELECT DISTINCT x FROM unnest(ids) AS x WHERE x IS NOT NULL)) c
      ON c.task_id = o.task_id
    ORDER BY o.i;
END $$;

import type { Notifier } from '../../ports/notifier.ts';
import type { FakeEffects } from '../fake-effects.ts';

/**
 * Records each notification as an effect; the real channels (Slack, GitHub) replace it. Like a
 * channel with message ids, it drops a repeat of the same task and kind.
 */
export function createFakeNotifier(deps: { effects: FakeEffects }): Notifier {
  return {
    kind: 'fake',
    async notify(task, kind) {
      const seen = await deps.effects.list(task.task_id);
      if (seen.some((e) => e.effect === 'notify' && e.detail.kind === kind)) return;
      await deps.effects.record(task.task_id, 'notify', { kind });
      await deps.effects.pause();
    },
  };
}

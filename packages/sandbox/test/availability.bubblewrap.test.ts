import { describe, expect, it } from 'vitest';
import { createBubblewrapBackend } from '../src/index.ts';

describe('bubblewrap availability', () => {
  it('is installed and usable on this machine (CI fails here instead of skipping)', async () => {
    const availability = await createBubblewrapBackend().available();
    expect(availability.ok, `${availability.reason}; fix: ${availability.remedy}`).toBe(true);
  });

  it('says how to install bubblewrap when it is missing', async () => {
    const availability = await createBubblewrapBackend({ bwrapPath: '/nonexistent/bwrap' }).available();
    expect(availability.ok).toBe(false);
    expect(availability.remedy).toContain('apt-get install -y bubblewrap');
  });

  it('refuses to create a sandbox when unavailable', async () => {
    const backend = createBubblewrapBackend({ bwrapPath: '/nonexistent/bwrap' });
    await expect(backend.create({ taskId: 't', workspaceDir: '/tmp' })).rejects.toThrow(
      /apt-get install -y bubblewrap/,
    );
  });
});

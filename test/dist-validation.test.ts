import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stageConfig, stageNames } from '../lib/config';
import { synthesizeStage } from '../lib/synthesize';
import { validatePaths } from '@stateful-todo/manifest-validator';

describe('the validator on our own freshly synthesized dist/', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'our-dist-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test.each(stageNames())('%s has 0 errors, 0 warnings and needs no suppression', stage => {
    synthesizeStage(stageConfig(stage), outdir);
    const report = validatePaths([path.join(outdir, stage)]);
    expect(report.findings).toEqual([]);
    expect(report.suppressed).toBe(0);
    expect(report.unreadable).toEqual([]);
    expect(report.objectCount).toBeGreaterThanOrEqual(14);
  });
});

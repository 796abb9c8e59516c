import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const tempFolders: string[] = [];
afterAll(() => tempFolders.splice(0).forEach(folder => fs.rmSync(folder, { recursive: true, force: true })));

/** A new temporary folder, removed when the test file is done. */
export function tempFolder(prefix: string): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempFolders.push(folder);
  return folder;
}

/**
 * Watches an added folder and asks for a sync when notes change. Events are coalesced: an editor
 * saving, a git checkout or a sync client touching hundreds of files leads to one sync after
 * things settle, and the sync itself finds out what changed (by size and modification time).
 */
import { watch, type FSWatcher } from 'node:fs';
import { sep } from 'node:path';
import type { Logger } from '../log';
import { noteKind } from './ingest/files';

const SETTLE_MS = 400;

export class FolderWatcher {
  private readonly watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly folder: string,
    private readonly log: Logger,
    private readonly onChange: () => void,
  ) {
    try {
      this.watcher = watch(folder, { recursive: true, persistent: false }, (_event, name) => this.changed(name));
      this.watcher.on('error', (error) => this.log.warn('Knowledge base folder watcher stopped', { folder, error: error.message }));
    } catch (error) {
      this.log.warn('Knowledge base cannot watch this folder; use Sync to pick up changes', { folder, error: String(error) });
    }
  }

  private changed(name: string | Buffer | null): void {
    const path = name?.toString() ?? '';
    // Obsidian's own settings and other dot-folders change often and hold no notes.
    if (path.split(sep).some((part) => part.startsWith('.'))) return;
    // A folder event (rename, delete) has no note extension but may carry notes with it.
    if (path && noteKind(path) === undefined && /\.[^/\\]+$/.test(path)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(this.onChange, SETTLE_MS);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}

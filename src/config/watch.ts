// Watches the config's directory (rename-replace saves, Kubernetes ..data symlink swaps, delete and
// recreate) and the user code files (plugins, custom adapters) with chokidar; SIGHUP also reloads.
// Events are debounced; the reloader decides whether anything really changed.

import { watch, type FSWatcher } from 'chokidar';
import { basename, dirname, resolve } from 'node:path';

export interface WatchHandle {
  /** Resolves once the directory watch is active (edits before this could be missed). */
  ready: Promise<void>;
  /** Replace the set of code files watched (after each successful compile). */
  setCodeFiles(files: string[]): void;
  close(): Promise<void>;
}

/**
 * Watches the directories of the code files (not the files themselves: a watch on a file follows its
 * inode, and chokidar can miss the rename of a rename-replace save that comes right after an in-place
 * write, after which that file's edits were never noticed again). Only the code files themselves (and
 * `..` entries: a Kubernetes ConfigMap's symlink swap) are tracked and reported; the config's own
 * directory is left to the config watch.
 */
function watchCodeDirs(files: ReadonlySet<string>, configDir: string, trigger: (reason: string) => void): FSWatcher | undefined {
  const dirs = new Set([...files].map((f) => dirname(f)));
  dirs.delete(configDir);
  if (!dirs.size) return undefined;
  const tracked = (path: string) => {
    const p = resolve(path);
    return files.has(p) || (dirs.has(dirname(p)) && basename(p).startsWith('..'));
  };
  const watcher = watch([...dirs], { depth: 0, ignoreInitial: true, atomic: true, ignored: (path) => !dirs.has(resolve(path)) && !tracked(path) });
  watcher.on('all', (event, path) => {
    if (tracked(path)) trigger(`${event} ${basename(path)}`);
  });
  return watcher;
}

export function watchConfig(configFile: string, onChange: (reason: string) => void, debounceMs = 150): WatchHandle {
  const file = resolve(configFile);
  const dir = dirname(file);
  const name = basename(file);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const trigger = (reason: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => onChange(reason), debounceMs);
  };
  const relevant = (path: string) => {
    const base = basename(path);
    return base === name || base.startsWith('..') || codeFiles.has(resolve(path));
  };
  let codeFiles = new Set<string>();
  const dirWatcher: FSWatcher = watch(dir, { depth: 0, ignoreInitial: true, followSymlinks: false, atomic: true });
  dirWatcher.on('all', (event, path) => {
    if (relevant(path)) trigger(`${event} ${basename(path)}`);
  });
  const ready = new Promise<void>((resolve) => dirWatcher.once('ready', () => resolve()));
  let codeWatcher: FSWatcher | undefined;
  const onHup = () => trigger('SIGHUP');
  process.on('SIGHUP', onHup);
  return {
    ready,
    setCodeFiles(files) {
      const next = new Set(files.map((f) => resolve(f)));
      const same = next.size === codeFiles.size && [...next].every((f) => codeFiles.has(f));
      if (same) return;
      codeFiles = next;
      void codeWatcher?.close();
      codeWatcher = watchCodeDirs(next, dir, trigger);
      // An edit made between the load that named these files and the watcher being ready has no event:
      // check once when it is ready (identical bytes are a no-op reload).
      codeWatcher?.once('ready', () => trigger('code files watched'));
    },
    async close() {
      clearTimeout(timer);
      process.off('SIGHUP', onHup);
      await Promise.all([dirWatcher.close(), codeWatcher?.close()]);
    },
  };
}

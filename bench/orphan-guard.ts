// Bench child processes exit on their own if the orchestrator dies without cleaning up
// (their parent pid changes when they are re-parented).

export function exitWithParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 500).unref();
}

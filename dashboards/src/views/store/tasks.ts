import type { Task } from '../../api/types.js';

/** Open and claimed tasks, most urgent first (the hub's order), with `task` merged in by id. */
export function mergeTask(tasks: readonly Task[], task: Task): Task[] {
  const rest = tasks.filter((t) => t.id !== task.id);
  if (task.state === 'done' || task.state === 'skipped') return rest;
  return [...rest, task].sort((a, b) => b.priority - a.priority || a.createdAt - b.createdAt);
}

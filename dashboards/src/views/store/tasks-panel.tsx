import { useState } from 'preact/hooks';
import { ApiError, api } from '../../api/client.js';
import type { Task } from '../../api/types.js';
import { Empty } from '../../ui/status.js';

/**
 * Staff tasks of the site (hub/src/replenishment/tasks.controller.ts): claim an open one, complete
 * a claimed one with the units actually moved, or give it back. The list moves with the `tasks`
 * channel, so a colleague's claim shows at once; a refused action (someone was quicker) says why.
 */
export function TaskList(props: {
  site: string;
  tasks: readonly Task[];
  me: string;
  emptyText: string;
  onChanged: (task: Task) => void;
}) {
  if (props.tasks.length === 0) return <Empty>{props.emptyText}</Empty>;
  return (
    <ul class="tasks">
      {props.tasks.map((task) => (
        <TaskRow key={task.id} task={task} site={props.site} me={props.me} onChanged={props.onChanged} />
      ))}
    </ul>
  );
}

const KIND: Record<Task['kind'], string> = {
  refill: 'Refill',
  count: 'Count',
  'phantom-check': 'Check stock',
  'face-up': 'Face up',
};

function TaskRow(props: { task: Task; site: string; me: string; onChanged: (task: Task) => void }) {
  const { task, site } = props;
  const [units, setUnits] = useState(String(task.units));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const act = async (action: 'claim' | 'release' | 'complete', body?: unknown) => {
    setBusy(true);
    setError(undefined);
    try {
      props.onChanged(await api.post<Task>(`/api/sites/${site}/tasks/${task.id}/${action}`, body));
    } catch (e) {
      setError(e instanceof ApiError ? `${e.message} (${e.code})` : String(e));
    } finally {
      setBusy(false);
    }
  };
  const mine = task.state === 'claimed' && task.claimedBy === props.me;
  const where = task.lane === undefined ? task.sku : `lane ${task.lane} · ${task.sku}`;
  return (
    <li class={`task ${task.state}`} data-task={task.id} data-state={task.state} data-lane={task.lane}>
      <div class="task-head">
        <strong>
          {KIND[task.kind]} {where}
        </strong>
        <span class="task-units">{task.units} units</span>
        <span class={`state ${task.state}`}>
          {task.state === 'claimed' ? `claimed by ${mine ? 'you' : task.claimedBy}` : task.state}
        </span>
      </div>
      <p class="why">{task.explanation.text}</p>
      <div class="task-actions">
        {task.state === 'open' ? (
          <button type="button" disabled={busy} onClick={() => act('claim')}>
            Claim
          </button>
        ) : null}
        {mine ? (
          <form
            class="complete"
            onSubmit={(e) => {
              e.preventDefault();
              void act('complete', { unitsMoved: Number(units) });
            }}
          >
            <label for={`units-${task.id}`}>Units moved</label>
            <input
              id={`units-${task.id}`}
              type="number"
              inputMode="numeric"
              min={0}
              required
              value={units}
              onInput={(e) => setUnits(e.currentTarget.value)}
            />
            <button type="submit" disabled={busy}>
              Complete
            </button>
            <button type="button" class="quiet" disabled={busy} onClick={() => act('release')}>
              Release
            </button>
          </form>
        ) : null}
      </div>
      {error === undefined ? null : (
        <p class="note error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

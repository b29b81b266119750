/**
 * The Node pool's balancer (QueuedBands): a chain band may wait on a worker behind a band of the
 * same chain, and nothing else waits behind anything (Piscina counts an abortable running task
 * as Infinity). Driven with stand-ins for Piscina's task and worker views.
 */
import { Piscina } from 'piscina';
import { describe, expect, it } from 'vitest';
import { QueuedBands } from '../../../ts/pool/node-pool.js';

type Balance = QueuedBands['balancer'];
type Task = Parameters<Balance>[0];
type Worker = Parameters<Balance>[1][number];

const worker = (id: number, currentUsage: number) => ({ id, currentUsage, isRunningAbortableTask: currentUsage === Infinity }) as unknown as Worker;
const taskOf = (object: object) => ({ [Piscina.queueOptionsSymbol]: (object as Record<symbol, unknown>)[Piscina.queueOptionsSymbol] ?? null }) as unknown as Task;

describe('QueuedBands', () => {
  it('gives idle workers first, then queues a band behind a band of its own chain only', () => {
    const queued = new QueuedBands();
    const [chainA, chainB] = [{}, {}];
    const [a1, a2, a3, b1, tile] = [{}, {}, {}, {}, {}];
    const [idA1, idA2, idA3] = [a1, a2, a3].map((band) => queued.mark(band, chainA));
    queued.mark(b1, chainB);

    // Both idle: the first band goes to the first idle worker, a tile task to the other.
    expect(queued.balancer(taskOf(a1), [worker(1, 0), worker(2, 0)])?.id).toBe(1);
    expect(queued.balancer(taskOf(tile), [worker(1, Infinity), worker(2, 0)])?.id).toBe(2);
    // Both busy: chain B's band waits in Piscina's queue; a band of chain A waits behind A's
    // band on worker 1, not behind the tile task.
    expect(queued.balancer(taskOf(b1), [worker(1, Infinity), worker(2, Infinity)])).toBeNull();
    expect(queued.balancer(taskOf(a2), [worker(1, Infinity), worker(2, Infinity)])?.id).toBe(1);
    // Worker 1 now runs two tasks: no third.
    expect(queued.balancer(taskOf(a3), [worker(1, 2), worker(2, Infinity)])).toBeNull();
    // A tile task waits in Piscina's queue.
    expect(queued.balancer(taskOf({}), [worker(1, Infinity), worker(2, Infinity)])).toBeNull();
    // a1 ended (Piscina asks before it settles here): a3 may wait behind a2.
    expect(queued.balancer(taskOf(a3), [worker(1, Infinity), worker(2, Infinity)])?.id).toBe(1);
    for (const id of [idA1, idA2, idA3]) queued.done(id);
    // Chain A is forgotten: a later band of it is not queued on worker 1's record.
    const a4 = {};
    queued.mark(a4, chainA);
    expect(queued.balancer(taskOf(a4), [worker(1, Infinity), worker(2, Infinity)])).toBeNull();
  });

  it('forgets a worker that was given another task while idle', () => {
    const queued = new QueuedBands();
    const chain = {};
    const [a1, a2] = [{}, {}];
    [a1, a2].forEach((band) => queued.mark(band, chain));
    expect(queued.balancer(taskOf(a1), [worker(1, 0)])?.id).toBe(1);
    // a1 ended, and worker 1, idle, was given a tile task: a2 does not wait behind it.
    expect(queued.balancer(taskOf({}), [worker(1, 0)])?.id).toBe(1);
    expect(queued.balancer(taskOf(a2), [worker(1, Infinity)])).toBeNull();
  });
});

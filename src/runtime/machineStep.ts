/**
 * Pure steps of an XState machine for the runtime: the next snapshot and the actions to execute,
 * as XState's `transition` / `initialTransition` return them, without their hidden cost.
 *
 * XState's helpers build their inert actor scope from `createActor(machine)`, whose constructor
 * computes the machine's whole initial snapshot (context factory, initial states, entry actions)
 * only to throw it away; our machines' context factories need an input, so that throw-away
 * snapshot even fails and builds an Error with a stack trace — on every event. Here the scope's
 * `self` is an actor of a trivial logic instead: the machine's own transition is the same call
 * with the same arguments, and actions are collected, never executed, exactly as there.
 */
import {
  type AnyActorScope,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  createActor,
  type EventFromLogic,
  type ExecutableActionsFrom,
  fromTransition,
  type InputFrom,
  type SnapshotFrom,
} from "xstate";

/** Logic of the placeholder actor that stands for "self" in an inert scope: it does nothing. */
const inertLogic = fromTransition((state: null) => state, null);

/** Where the scope in use puts the actions of the current step. */
let collected: unknown[] = [];
let shared: AnyActorScope | null = null;

/**
 * An inert scope for one step. Steps are synchronous, so one scope serves them all while its
 * system stays empty: a step that registers an actor under a `systemId` gets its scope thrown
 * away, and the next step a fresh one, as with XState's own helpers.
 */
function inertScope(actions: unknown[]): AnyActorScope {
  collected = actions;
  if (shared && Object.keys(shared.system.getAll()).length === 0) return shared;
  const self = createActor(inertLogic);
  shared = {
    self,
    defer: () => {},
    id: "",
    logger: () => {},
    sessionId: "",
    stopChild: () => {},
    system: self.system,
    emit: () => {},
    actionExecutor: (action: unknown) => {
      collected.push(action);
    },
  } as unknown as AnyActorScope;
  return shared;
}

/** The snapshot after `event` and the actions to execute; `machine` itself does no I/O. */
export function step<M extends AnyStateMachine>(
  machine: M,
  snapshot: SnapshotFrom<M>,
  event: EventFromLogic<M>,
): [SnapshotFrom<M>, ExecutableActionsFrom<M>[]] {
  const actions: ExecutableActionsFrom<M>[] = [];
  const next = machine.transition(snapshot as AnyMachineSnapshot, event, inertScope(actions));
  return [next as SnapshotFrom<M>, actions];
}

/** The machine's initial snapshot for `input` and the actions its start asks for. */
export function start<M extends AnyStateMachine>(
  machine: M,
  input: InputFrom<M>,
): [SnapshotFrom<M>, ExecutableActionsFrom<M>[]] {
  const actions: ExecutableActionsFrom<M>[] = [];
  const first = machine.getInitialSnapshot(inertScope(actions), input);
  return [first as SnapshotFrom<M>, actions];
}

/**
 * PrioritySort: the default QueueSort. Mirrors upstream
 * `pkg/scheduler/framework/plugins/queuesort/priority_sort.go`.
 */
import { defineSchedulerPlugin, PrioritySort } from 'kubeprop';

/** The upstream plugin name. */
export const NAME = 'PrioritySort';

/**
 * The PrioritySort plugin (QueueSort): `less(a, b)` is true when `a` has the higher `spec.priority`
 * (unset ⇒ 0), or the same priority and the earlier queue timestamp (`timestampMs`). The
 * comparison is the scheduling queue's own built-in default, so a profile that names this plugin
 * orders pods exactly as one that names no QueueSort plugin.
 */
export const prioritySortPlugin = defineSchedulerPlugin({
  name: NAME,
  less: PrioritySort.less,
});

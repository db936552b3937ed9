/**
 * The storage model's public surface (re-exported by `core/index.ts`): the `Store`, its request and
 * result types, watch events, and the upstream-shaped API errors.
 */
export * from './api-error.js';
export * from './api-result.js';
export { applyMergePatch } from './json-merge-patch.js';
export type { FieldSelection, LabelMatcher, SelectionOptions } from './object-filter.js';
export type { StorableObject } from './storable-object.js';
export { refOf, Store } from './store.js';
export type {
  CreateOptions,
  DeleteOptions,
  DeleteResult,
  DeletionPropagation,
  KindRef,
  ListRequest,
  ListResult,
  ObjectRef,
  StoreOptions,
  StoreStats,
  WatchRequest,
} from './store.js';
export { INITIAL_EVENTS_ANNOTATION } from './watch-event.js';
export type { BookmarkObject, WatchBookmarkEvent, WatchErrorEvent, WatchEvent, WatchEventType, WatchObjectEvent, Watcher } from './watch-event.js';

/** The element with `id`, checked to be of the expected kind (the page and code must agree). */
export function byId<T extends HTMLElement>(id: string, kind: { new (): T; name: string }): T {
  const el = document.getElementById(id);
  if (!(el instanceof kind)) throw new Error(`#${id} is missing or not a ${kind.name}`);
  return el;
}

/**
 * Creates an element. Text always goes through textContent (and string children
 * become text nodes): user text is never
 * parsed as HTML.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string; attrs?: Record<string, string> } = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.className) el.className = props.className;
  if (props.text !== undefined) el.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) el.setAttribute(name, value);
  el.append(...children);
  return el;
}

/** Keeps a list to its newest `max` entries (new entries go first). */
export function prependCapped(list: HTMLElement, item: HTMLElement, max: number): void {
  list.prepend(item);
  while (list.children.length > max) list.lastElementChild?.remove();
}

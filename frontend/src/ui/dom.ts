// A tiny DOM builder. Text always goes in as text nodes, never as HTML.

export type Child = Node | string | number | null | undefined | false | Child[];
export type Attrs = Record<string, unknown>;

let uid = 0;
/** newId returns a page-unique element id. */
export function newId(prefix = 'f'): string {
  return `${prefix}-${++uid}`;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = String(v);
      else if (k === 'dataset') Object.assign(el.dataset, v as Record<string, string>);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
      else if (k === 'value' || k === 'checked' || k === 'selected' || k === 'indeterminate') (el as unknown as Record<string, unknown>)[k] = v;
      else if (k === 'style') throw new Error('inline styles are blocked by the Content-Security-Policy; use classes');
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** replace empties el and fills it with children. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** option builds an <option>. */
export function option(value: string, label: string, selected = false): HTMLOptionElement {
  return h('option', { value, selected }, label);
}

const svgNS = 'http://www.w3.org/2000/svg';
const icons: Record<string, string> = {
  logo: 'M12 2 3 7v10l9 5 9-5V7l-9-5zm0 2.3 6.8 3.8L12 11.9 5.2 8.1 12 4.3zM5 9.8l6 3.4v6.9l-6-3.4V9.8zm8 10.3v-6.9l6-3.4v6.9l-6 3.4z',
  home: 'M12 3 2 12h3v8h6v-6h2v6h6v-8h3L12 3z',
  sensor: 'M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8zm-7.1-3.1 1.4 1.4a8 8 0 0 0 0 11.4l-1.4 1.4a10 10 0 0 1 0-14.2zm14.2 0a10 10 0 0 1 0 14.2l-1.4-1.4a8 8 0 0 0 0-11.4l1.4-1.4z',
  chart: 'M3 3h2v16h16v2H3V3zm4 12 4-5 3 3 5-7 1.6 1.2-6.4 9-3-3-2.6 3.2L7 15z',
  pin: 'M12 2a7 7 0 0 0-7 7c0 5.3 7 13 7 13s7-7.7 7-13a7 7 0 0 0-7-7zm0 9.5A2.5 2.5 0 1 1 12 6.5a2.5 2.5 0 0 1 0 5z',
  model: 'M4 4h7v7H4V4zm9 0h7v7h-7V4zM4 13h7v7H4v-7zm12.5 0 3.5 3.5-3.5 3.5-3.5-3.5 3.5-3.5z',
  service: 'M19.4 13a7.5 7.5 0 0 0 0-2l2.1-1.6-2-3.5-2.5 1a7.4 7.4 0 0 0-1.7-1L15 3h-4l-.4 2.9a7.4 7.4 0 0 0-1.7 1l-2.5-1-2 3.5L6.6 11a7.5 7.5 0 0 0 0 2l-2.1 1.6 2 3.5 2.5-1a7.4 7.4 0 0 0 1.7 1L11 21h4l.4-2.9a7.4 7.4 0 0 0 1.7-1l2.5 1 2-3.5-2.2-1.6zM13 15.5a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7z',
  users: 'M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm0 2c-4 0-7 2-7 4.5V20h14v-2.5C16 15 13 13 9 13zm7-2a3.5 3.5 0 1 0-1-6.9 5.9 5.9 0 0 1 0 6.8c.3.1.7.1 1 .1zm1.5 2.2c1.5.9 2.5 2.3 2.5 4.3V20h3v-2.5c0-2-2.3-3.7-5.5-4.3z',
  logout: 'M10 17v-3H3v-4h7V7l5 5-5 5zm3-14h6a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2h-6v-2h6V5h-6V3z',
  eye: 'M12 5C6 5 2 12 2 12s4 7 10 7 10-7 10-7-4-7-10-7zm0 11.5a4.5 4.5 0 1 1 0-9 4.5 4.5 0 0 1 0 9zm0-2.5a2 2 0 1 0 0-4 2 2 0 0 0 0 4z',
  eyeoff: 'M2.8 2.1 1.4 3.5l3.2 3.2C2.9 8.2 2 10 2 10s4 7 10 7c1.6 0 3-.4 4.3-1.1l3.2 3.2 1.4-1.4L2.8 2.1zM12 14.5A4.5 4.5 0 0 1 7.7 8.8l1.6 1.6a2 2 0 0 0 2.3 2.3l1.6 1.6c-.4.1-.8.2-1.2.2zM12 3c6 0 10 7 10 7s-.9 1.8-2.7 3.5l-3.5-3.5A4.5 4.5 0 0 0 11 5.2L8.9 3.4C9.9 3.1 10.9 3 12 3z',
};

/** icon returns a 1em inline SVG icon. */
export function icon(name: keyof typeof icons | string, cls = ''): SVGSVGElement {
  const svg = document.createElementNS(svgNS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', `icon ${cls}`.trim());
  const p = document.createElementNS(svgNS, 'path');
  p.setAttribute('d', icons[name] ?? '');
  p.setAttribute('fill', 'currentColor');
  svg.appendChild(p);
  return svg;
}

/**
 * The little of the browser's DOM that the browser tests' page functions (`page.evaluate`,
 * `addInitScript`) use. The repository's type check has no DOM library on purpose (server code must
 * not see browser globals), so a page function reaches them as
 * `const w = globalThis as unknown as PageWindow;` — in the page, `globalThis` is the window.
 * Add what a new test needs; Playwright's locators need none of this.
 */
export interface PageElement {
  textContent: string | null;
  readonly innerText: string;
  readonly outerHTML: string;
  append(...nodes: PageElement[]): void;
  insertAdjacentHTML(where: 'beforebegin' | 'afterbegin' | 'beforeend' | 'afterend', html: string): void;
  setAttribute(name: string, value: string): void;
  click(): void;
}

/** A `securitypolicyviolation` event. */
export interface PageCspEvent {
  readonly effectiveDirective: string;
  readonly blockedURI: string;
  readonly sample: string;
  readonly documentURI: string;
}

export interface PageDocument {
  cookie: string;
  readonly contentType: string;
  readonly body: PageElement;
  readonly documentElement: PageElement;
  createElement(tag: string): PageElement;
  querySelectorAll(selector: string): { readonly length: number };
  addEventListener(
    type: 'securitypolicyviolation',
    listener: (e: PageCspEvent) => void,
    capture?: boolean,
  ): void;
}

export interface PageStorage {
  readonly length: number;
  key(i: number): string | null;
}

/** The window, with the markers the tests' pages set (`__pwned`, `__ran`, …) and the dashboard's `abca`. */
export interface PageWindow {
  readonly document: PageDocument;
  readonly localStorage: PageStorage;
  readonly sessionStorage: PageStorage;
  getComputedStyle(el: PageElement): { readonly display: string; readonly fontFamily: string };
  setTimeout(handler: string | (() => void), ms: number): number;
  abca?: unknown;
  /** Set by hostile text that ran. */
  __pwned?: unknown;
  /** What the CSP probe's injections that ran marked, through `__mark`. */
  __ran?: string[];
  __mark?: (name: string) => void;
  /** Bindings the harness exposes. */
  [binding: `__abca${string}`]: ((value: unknown) => void) | undefined;
}

import type { ComponentChildren } from 'preact';

/**
 * A labelled box that scrolls (a wide table on a tablet, a long list): it takes focus so a
 * keyboard user can scroll it with the arrow keys, and a screen reader announces it as a region
 * with its label (axe's scrollable-region-focusable).
 */
export function ScrollRegion(props: { label: string; class?: string; children: ComponentChildren }) {
  const cls = `scroll-region ${props.class ?? ''}`;
  return (
    <section
      class={cls}
      aria-label={props.label}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus for the keyboard to scroll it
      tabIndex={0}
    >
      {props.children}
    </section>
  );
}

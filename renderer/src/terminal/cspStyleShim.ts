/**
 * xterm.js's DOM renderer colours some cells (selection, search matches,
 * 24-bit colours) with `span.setAttribute('style', ...)`. The CSP refuses
 * style attributes (style-src-attr 'none'), so those cells would lose their
 * colour and every one would log a violation. Setting the same declarations
 * through CSSOM (`style.cssText`) is allowed by CSP and renders the same.
 *
 * The shim is as narrow as it can be: only <span> elements, only the `style`
 * attribute, only calls made by script. Markup that arrives with a style
 * attribute (innerHTML) is still refused by the CSP, which is the attack the
 * directive is there for; this code path is our own bundle calling the DOM.
 */
let installed = false;

export function installSpanStyleShim(): void {
  if (installed || typeof HTMLSpanElement === 'undefined') return;
  installed = true;
  const original = Element.prototype.setAttribute;
  Object.defineProperty(HTMLSpanElement.prototype, 'setAttribute', {
    configurable: true,
    writable: true,
    value(this: HTMLSpanElement, name: string, value: string) {
      if (name.toLowerCase() === 'style') {
        this.style.cssText = String(value);
        return;
      }
      original.call(this, name, value);
    },
  });
}

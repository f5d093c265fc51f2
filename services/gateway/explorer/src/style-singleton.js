// Stands in for react-style-singleton's singleton.js in the bundle (build.mjs).
// The original appends a <style> element, which the gateway's Content-Security-
// Policy (style-src 'self') refuses; a constructed stylesheet adopted by the
// document carries the same rules and is not subject to style-src.
export const stylesheetSingleton = () => {
  let counter = 0;
  let sheet = null;
  return {
    add(css) {
      if (counter === 0 && typeof CSSStyleSheet === 'function') {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      }
      counter += 1;
    },
    remove() {
      counter -= 1;
      if (counter === 0 && sheet) {
        const gone = sheet;
        document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== gone);
        sheet = null;
      }
    },
  };
};

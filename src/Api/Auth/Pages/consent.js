// The consent and waiting pages' script. Without it both pages work as plain forms; with it a decision is sent once
// and the preview follows the ticks.
(() => {
  // A decision is sent once: a double click would post it twice, and the browser would show the answer to the second
  // POST ("already decided") instead of following the first one back to the application. The clicked button's
  // name and value travel in a hidden field, since a disabled button is left out of the form it submits.
  for (const form of document.querySelectorAll('form[method="post"]')) {
    const buttons = [...form.querySelectorAll('button[type="submit"]')];
    let decision = null;
    form.addEventListener('submit', event => {
      if (decision) {
        event.preventDefault();
        return;
      }
      const submitter = event.submitter;
      decision = document.createElement('input');
      decision.type = 'hidden';
      if (submitter?.name) {
        decision.name = submitter.name;
        decision.value = submitter.value;
      }
      form.append(decision);
      buttons.forEach(b => { b.disabled = true; });
    });
    // Back to this page from the browser's history: the form as it was shown.
    window.addEventListener('pageshow', event => {
      if (!event.persisted || !decision) return;
      decision.remove();
      decision = null;
      buttons.forEach(b => { b.disabled = false; });
    });
  }

  // Double-clickjacking: another site asks for a double click and, between its two clicks, opens this page (or brings
  // it to the front) under the pointer, so that the second click lands on Approve. Approve and "Ask an administrator"
  // (class "guarded") take clicks only once the page has been visible and in front for a moment, longer than the two
  // clicks of a double click are apart: until then the style sheet lets clicks through them (also before this script
  // runs), and the script keeps them disabled. Without scripts the style sheet's noscript rule leaves them as they are.
  const guarded = [...document.querySelectorAll('button.guarded')];
  if (guarded.length) {
    const armAfterMs = 1000;
    let timer = 0;
    const disarm = () => {
      clearTimeout(timer);
      timer = 0;
      guarded.forEach(b => { b.disabled = true; b.classList.remove('armed'); });
    };
    const arm = () => {
      if (timer || document.visibilityState !== 'visible' || !document.hasFocus()) return;
      timer = setTimeout(() => guarded.forEach(b => { b.disabled = false; b.classList.add('armed'); }), armAfterMs);
    };
    const restart = () => { disarm(); arm(); };
    document.addEventListener('visibilitychange', restart);
    window.addEventListener('focus', restart);
    window.addEventListener('blur', disarm);
    window.addEventListener('pageshow', restart);
    restart();
  }

  // Recomputes the preview when a tag is ticked or unticked, with the rule the server applies: under
  // "all" a server must carry every ticked tag, under "any" one of them; no tick reaches nothing.
  const list = document.getElementById('preview');
  if (!list) return;
  const empty = document.getElementById('preview-empty');
  const boxes = [...document.querySelectorAll('input[name="scopes"][value^="tag:"]')];
  const update = () => {
    const ticked = boxes.filter(b => b.checked).map(b => b.value.slice(4).toLowerCase());
    let shown = 0;
    for (const item of list.children) {
      const tags = item.dataset.tags.split(' ').filter(t => t.length > 0);
      const reached = ticked.length > 0 && tags.length > 0 && item.dataset.withheld === undefined &&
        (list.dataset.match === 'all' ? ticked.every(t => tags.includes(t)) : ticked.some(t => tags.includes(t)));
      item.hidden = !reached;
      if (reached) shown++;
    }
    empty.hidden = shown > 0;
  };
  boxes.forEach(b => b.addEventListener('change', update));
  update();
})();

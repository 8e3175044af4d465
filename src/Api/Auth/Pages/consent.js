(() => {
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

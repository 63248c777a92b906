// The demo page: draws the Slack stand-in's channel from /api/state and sends what you type or
// click to the demo server, which signs it and hands it to the bridge as Slack would.
// Everything shown is escaped first; Markdown is then applied to the escaped text.
'use strict';

const NAMES = { UBOT: 'Dify', UALICE: 'You', UBOB: 'Bob' };
let state = { version: -1, messages: [] };
let openThread = null;

const $ = (id) => document.getElementById(id);

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** Inline Markdown (and Slack's *bold*) on text that is already escaped. */
function inline(escaped) {
  return escaped
    .split(/(`[^`\n]+`)/)
    .map((part) => {
      if (/^`[^`\n]+`$/.test(part)) return `<code>${part.slice(1, -1)}</code>`;
      return (
        part
          .replace(/&lt;@([A-Z0-9]+)&gt;/g, (_, id) => `<span class="mention">@${esc(NAMES[id] || id)}</span>`)
          // Slack's date token: shown in the reader's own time zone, as Slack does.
          .replace(
            /&lt;!date\^(\d+)\^[^|]*\|[^&]*&gt;/g,
            (_, s) => `<time>${esc(new Date(Number(s) * 1000).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }))}</time>`,
          )
          .replace(/&lt;!subteam\^([A-Z0-9]+)&gt;/g, (_, id) => `<span class="mention">@${esc(id)}</span>`)
          .replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/g, (_, text, href) => `<a href="${href}" target="_blank" rel="noopener noreferrer">${text}</a>`)
          .replace(/&lt;(https?:\/\/[^|\s]+?)\|([^&]+?)&gt;/g, (_, href, text) => `<a href="${href}" target="_blank" rel="noopener noreferrer">${text}</a>`)
          .replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>')
          .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[^\w*])/g, '$1<strong>$2</strong>')
          .replace(/(^|[\s(])_([^_\n]+)_(?=$|[^\w_])/g, '$1<em>$2</em>')
          .replace(/~~([^~\n]+)~~|(^|\s)~([^~\n]+)~(?=$|\s)/g, (_, a, pre, b) => (a ? `<s>${a}</s>` : `${pre}<s>${b}</s>`))
      );
    })
    .join('');
}

/** Block-level Markdown: fences, headings, lists, paragraphs. */
function markdown(text) {
  const lines = String(text).split('\n');
  const out = [];
  let list = null;
  const closeList = () => {
    if (list) out.push(`</${list}>`);
    list = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      closeList();
      const code = [];
      for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) code.push(lines[i]);
      out.push(`<pre><code>${esc(code.join('\n'))}</code></pre>`);
      continue;
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*•]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (heading) {
      closeList();
      out.push(`<div class="h">${inline(esc(heading[1]))}</div>`);
    } else if (bullet || numbered) {
      const kind = bullet ? 'ul' : 'ol';
      if (list !== kind) {
        closeList();
        out.push(`<${kind}>`);
        list = kind;
      }
      out.push(`<li>${inline(esc((bullet || numbered)[1]))}</li>`);
    } else if (line.trim() === '') {
      closeList();
    } else {
      closeList();
      out.push(`<p>${inline(esc(line))}</p>`);
    }
  }
  closeList();
  return out.join('');
}

function textOf(obj) {
  return obj && typeof obj.text === 'string' ? obj.text : '';
}

/** A table block: rows of cells (raw_text, or rich_text whose elements are text runs). */
function tableHtml(b) {
  const cellText = (c) =>
    c && c.type === 'raw_text'
      ? esc(c.text)
      : ((c && c.elements) || [])
          .flatMap((e) => e.elements || [])
          .map((e) =>
            e.type === 'link'
              ? `<a href="${esc(e.url)}">${esc(e.text || e.url)}</a>`
              : e.style && e.style.bold
                ? `<strong>${esc(e.text)}</strong>`
                : esc(e.text || ''),
          )
          .join('');
  const align = (i) => ((b.column_settings || [])[i] || {}).align || 'left';
  const rows = b.rows || [];
  const row = (r, tag) => `<tr>${r.map((c, i) => `<${tag} style="text-align:${align(i)}">${cellText(c)}</${tag}>`).join('')}</tr>`;
  return `<table class="table-block"><thead>${rows.length ? row(rows[0], 'th') : ''}</thead><tbody>${rows
    .slice(1)
    .map((r) => row(r, 'td'))
    .join('')}</tbody></table>`;
}

const COLORS = ['#1264a3', '#e8912d', '#2bac76', '#cd2553', '#7c3085'];

/** A data_visualization block as a small SVG (bars, lines or areas) or a pie. */
function chartHtml(b) {
  const chart = b.chart || {};
  const title = `<div class="chart-title">${esc(b.title || '')}</div>`;
  if (chart.type === 'pie') {
    const segs = chart.segments || [];
    const total = segs.reduce((s, x) => s + x.value, 0) || 1;
    let at = 0;
    const stops = segs.map((s, i) => `${COLORS[i % COLORS.length]} ${(at / total) * 360}deg ${((at += s.value) / total) * 360}deg`).join(', ');
    const legend = segs.map((s, i) => `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${esc(s.label)} ${esc(s.value)}</span>`).join('');
    return `<div class="chart">${title}<div class="pie" style="background:conic-gradient(${stops})"></div><div class="legend">${legend}</div></div>`;
  }
  const cats = (chart.axis_config && chart.axis_config.categories) || [];
  const series = chart.series || [];
  const max = Math.max(1, ...series.flatMap((s) => s.data.map((d) => d.value)));
  const W = 520,
    H = 180,
    pad = 28;
  const x = (i) => pad + ((W - 2 * pad) * (i + 0.5)) / Math.max(1, cats.length);
  const y = (v) => H - pad - ((H - 2 * pad) * v) / max;
  const shapes = series
    .map((s, k) => {
      const color = COLORS[k % COLORS.length];
      if (chart.type === 'bar') {
        const w = (W - 2 * pad) / Math.max(1, cats.length) / (series.length + 1);
        return s.data
          .map(
            (d, i) =>
              `<rect x="${x(i) - (series.length * w) / 2 + k * w}" y="${y(d.value)}" width="${w}" height="${H - pad - y(d.value)}" fill="${color}"><title>${esc(d.label)}: ${esc(d.value)}</title></rect>`,
          )
          .join('');
      }
      const pts = s.data.map((d, i) => `${x(i)},${y(d.value)}`).join(' ');
      const area =
        chart.type === 'area' ? `<polygon points="${x(0)},${H - pad} ${pts} ${x(s.data.length - 1)},${H - pad}" fill="${color}" opacity="0.25"/>` : '';
      return `${area}<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"/>`;
    })
    .join('');
  const labels = cats.map((c, i) => `<text x="${x(i)}" y="${H - 8}" text-anchor="middle">${esc(c)}</text>`).join('');
  const legend = series.map((s, k) => `<span><i style="background:${COLORS[k % COLORS.length]}"></i>${esc(s.name)}</span>`).join('');
  return `<div class="chart">${title}<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(b.title || 'chart')}">${shapes}${labels}</svg><div class="legend">${legend}</div></div>`;
}

/** The answer's own blocks in order (Markdown, tables, charts); undefined when the message has none. */
function contentHtml(m) {
  const content = (m.blocks || []).filter((b) => b.type === 'markdown' || b.type === 'table' || b.type === 'data_visualization');
  if (!content.some((b) => b.type !== 'markdown')) return undefined;
  return content.map((b) => (b.type === 'markdown' ? markdown(b.text) : b.type === 'table' ? tableHtml(b) : chartHtml(b))).join('');
}

/** Slack blocks other than the answer's Markdown: context lines, buttons, feedback buttons. */
function blocksHtml(m) {
  const parts = [];
  for (const b of m.blocks || []) {
    if (b.type === 'section' && !m.text) parts.push(markdown(textOf(b.text)));
    else if (b.type === 'header') parts.push(`<div class="h">${esc(textOf(b.text))}</div>`);
    else if (b.type === 'context') parts.push(`<div class="context">${(b.elements || []).map((e) => inline(esc(textOf(e)))).join(' ')}</div>`);
    else if (b.type === 'actions') {
      const buttons = (b.elements || []).filter((e) => e.type === 'button');
      parts.push(
        `<div class="actions">${buttons
          .map(
            (e) =>
              `<button type="button" class="${esc(e.style || '')}" data-ts="${esc(m.ts)}" data-action="${esc(e.action_id)}"${m.ephemeral ? ' disabled' : ''}>${esc(textOf(e.text))}</button>`,
          )
          .join('')}</div>`,
      );
    } else if (b.type === 'context_actions') {
      for (const e of b.elements || []) {
        if (e.type !== 'feedback_buttons') continue;
        parts.push(
          `<div class="actions">` +
            `<button type="button" data-ts="${esc(m.ts)}" data-action="${esc(e.action_id)}" data-choice="positive" aria-label="${esc(e.positive_button.accessibility_label || 'Good')}">${esc(textOf(e.positive_button.text))}</button>` +
            `<button type="button" data-ts="${esc(m.ts)}" data-action="${esc(e.action_id)}" data-choice="negative" aria-label="${esc(e.negative_button.accessibility_label || 'Bad')}">${esc(textOf(e.negative_button.text))}</button>` +
            `</div>`,
        );
      }
    }
  }
  return parts.join('');
}

function messageHtml(m, replies) {
  // An app's own name (username, with chat:write.customize) stands where Slack shows it.
  const who = m.author === 'bot' ? `<span class="who">${esc(m.username || 'Dify')}</span><span class="app">APP</span>` : `<span class="who">You</span>`;
  const body = m.author === 'bot' ? (contentHtml(m) ?? markdown(m.text)) : `<p>${inline(esc(m.text))}</p>`;
  const notes = [m.edits > 0 ? '<span class="edited">(edited)</span>' : '', m.ephemeral ? '<span class="only-you">Only visible to you</span>' : ''].join(' ');
  // A person's message has the app's message shortcut in its menu, as in Slack.
  const menu =
    m.author === 'you' && !m.ephemeral
      ? `<button type="button" class="shortcut" data-shortcut="dify_ask" data-ts="${esc(m.ts)}">Ask Dify about this</button>`
      : '';
  const link =
    replies > 0 ? `<button type="button" class="replies-link" data-thread="${esc(m.ts)}">${replies} ${replies === 1 ? 'reply' : 'replies'}</button>` : '';
  const kind = `msg ${m.author}${m.ephemeral ? ' ephemeral' : ''}`;
  return `<div class="${kind}" data-ts="${esc(m.ts)}">${who}${notes}${menu}<div class="body">${body}</div>${blocksHtml(m)}${link}</div>`;
}

function draw(container, html) {
  const nearBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 80;
  if (container.innerHTML !== html) container.innerHTML = html;
  if (nearBottom) container.scrollTop = container.scrollHeight;
}

function render() {
  const top = state.messages.filter((m) => !m.threadTs || m.threadTs === m.ts);
  const repliesTo = (ts) => state.messages.filter((m) => m.threadTs === ts && m.ts !== ts).length;
  draw($('channel-messages'), top.map((m) => messageHtml(m, repliesTo(m.ts))).join(''));
  if (openThread) {
    const parent = state.messages.find((m) => m.ts === openThread);
    const replies = state.messages.filter((m) => m.threadTs === openThread && m.ts !== openThread);
    draw($('thread-messages'), (parent ? [parent, ...replies] : replies).map((m) => messageHtml(m, 0)).join(''));
  }
  renderModal();
}

let modalShown = -1;
function renderModal() {
  const modal = state.modal;
  const overlay = $('modal');
  if (!modal) {
    overlay.hidden = true;
    overlay.innerHTML = '';
    modalShown = -1;
    return;
  }
  if (modalShown === modal.index) return;
  modalShown = modal.index;
  const view = modal.view;
  const fields = (view.blocks || [])
    .map((b) => {
      if (b.type === 'section' || b.type === 'context')
        return `<div class="hint">${inline(esc(textOf(b.text) || (b.elements || []).map(textOf).join(' ')))}</div>`;
      if (b.type !== 'input') return '';
      const e = b.element || {};
      const id = `f-${esc(b.block_id)}`;
      const attrs = `id="${id}" data-block="${esc(b.block_id)}" data-action="${esc(e.action_id)}" data-type="${esc(e.type)}"`;
      let control;
      if (e.type === 'static_select') {
        const options = (e.options || []).map((o) => `<option value="${esc(o.value)}">${esc(textOf(o.text))}</option>`).join('');
        control = `<select ${attrs}><option value=""></option>${options}</select>`;
      } else if (e.type === 'plain_text_input' && e.multiline) {
        control = `<textarea ${attrs} rows="4">${esc(e.initial_value || '')}</textarea>`;
      } else {
        control = `<input ${attrs} value="${esc(e.initial_value || '')}">`;
      }
      const hint = b.hint ? `<div class="hint">${esc(textOf(b.hint))}</div>` : '';
      return `<label for="${id}">${esc(textOf(b.label))}${b.optional ? ' <span class="hint">(optional)</span>' : ''}</label>${control}${hint}<div class="error" data-error="${esc(b.block_id)}"></div>`;
    })
    .join('');
  overlay.innerHTML =
    `<form class="dialog" id="modal-form"><h2>${esc(textOf(view.title))}</h2>${fields}` +
    `<div class="buttons"><button type="button" id="modal-cancel">${esc(textOf(view.close) || 'Cancel')}</button>` +
    `<button type="submit">${esc(textOf(view.submit) || 'Submit')}</button></div></form>`;
  overlay.hidden = false;
  $('modal-cancel').addEventListener('click', () => post('/api/close', { index: modal.index }).then(refresh));
  $('modal-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = {};
    for (const el of overlay.querySelectorAll('[data-block]')) {
      const type = el.dataset.type;
      const value =
        type === 'static_select'
          ? el.value
            ? { type, selected_option: { value: el.value, text: { type: 'plain_text', text: el.selectedOptions[0].textContent } } }
            : { type, selected_option: null }
          : { type, value: el.value === '' ? null : el.value };
      values[el.dataset.block] = { [el.dataset.action]: value };
    }
    const res = await post('/api/submit', { index: modal.index, values });
    for (const e of overlay.querySelectorAll('[data-error]')) e.textContent = (res.errors && res.errors[e.dataset.error]) || '';
    if (!res.errors) refresh();
  });
}

async function post(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await res.json();
  if (!res.ok) toast(answer.error || 'Something went wrong');
  return answer;
}

function toast(text) {
  const t = $('toast');
  t.innerHTML = inline(esc(text));
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.hidden = true), 4000);
}

async function refresh() {
  try {
    const res = await fetch('/api/state', { cache: 'no-store' });
    const next = await res.json();
    if (next.version !== state.version || JSON.stringify(next) !== JSON.stringify(state)) {
      state = next;
      render();
    }
  } catch {
    // The demo server stopped; keep what is shown.
  }
}

function showThread(ts) {
  openThread = ts;
  $('thread').hidden = false;
  $('thread-messages').innerHTML = '';
  render();
  $('thread-composer').focus();
}

async function send(input, threadTs) {
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  const res = await post('/api/send', threadTs ? { text, threadTs } : { text });
  // Slack's own answer to a command the app does not have.
  if (res.notice) toast(res.notice);
  if (!threadTs && res.mentioned && res.ts) showThread(res.ts);
  else if (!threadTs && res.ts && !res.mentioned) toast('The bot answers mentions in channels: try “@Dify …”');
  refresh();
}

$('channel-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  send($('composer'));
});
$('thread-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  if (openThread) send($('thread-composer'), openThread);
});
$('thread-close').addEventListener('click', () => {
  openThread = null;
  $('thread').hidden = true;
});
document.addEventListener('click', (ev) => {
  const target = ev.target.closest('button');
  if (!target) return;
  if (target.dataset.thread) showThread(target.dataset.thread);
  else if (target.dataset.shortcut && target.dataset.ts) post('/api/shortcut', { ts: target.dataset.ts, callbackId: target.dataset.shortcut }).then(refresh);
  else if (target.dataset.action && target.dataset.ts) {
    post('/api/press', { ts: target.dataset.ts, actionId: target.dataset.action, ...(target.dataset.choice ? { choice: target.dataset.choice } : {}) }).then(
      refresh,
    );
  }
});

refresh();
setInterval(refresh, 250);

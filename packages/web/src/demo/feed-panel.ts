import { isTopicName, NAME_RULES } from '@herald/protocol';
import { subscribe, type ConnectionState, type StreamEvent } from '../lib/index.js';
import { byId, h, prependCapped } from './dom.js';
import { describeState, formatData } from './format.js';

const MAX_EVENTS = 50;

export interface FeedPanel {
  watch(topic: string): void;
}

/**
 * The live feed: one EventSource per watched topic, so every line knows its topic
 * (the SSE wire format does not carry it), and one topic can be dropped alone.
 */
export function mountFeed(streamUrl: string, initialTopics: readonly string[]): FeedPanel {
  const topicForm = byId('topic-form', HTMLFormElement);
  const topicInput = byId('topic', HTMLInputElement);
  const topicError = byId('topic-error', HTMLElement);
  const topicsList = byId('topics', HTMLUListElement);
  const events = byId('feed-events', HTMLOListElement);
  const watching = new Map<string, () => void>();

  const showEvent = (e: StreamEvent, reset: boolean) => {
    const topic = e.topic ?? '?';
    const item = h(
      'li',
      { className: reset ? 'event reset' : 'event', attrs: { 'data-topic': topic, 'data-id': e.id ?? '' } },
      h('span', { className: 'topic', text: topic }),
      h('span', { className: 'name', text: reset ? 'reset: events were missed' : e.event === 'message' ? '' : e.event }),
      h('code', { className: 'data', text: reset ? '' : formatData(e.data) }),
    );
    prependCapped(events, item, MAX_EVENTS);
  };

  const watch = (topic: string) => {
    if (watching.has(topic)) return;
    const status = h('span', { className: 'topic-state', text: 'Connecting…' });
    const stopButton = h('button', { text: 'Stop', attrs: { type: 'button', 'aria-label': `Stop watching ${topic}` } });
    const row = h('li', { attrs: { 'data-topic': topic } }, h('strong', { text: topic }), ' ', status, stopButton);
    topicsList.append(row);
    const showState = (state: ConnectionState) => {
      status.textContent = describeState(state, Date.now()).label;
      status.dataset.state = state.state;
    };
    const stop = subscribe(streamUrl, [topic], {
      event: (e) => showEvent(e, false),
      reset: (e) => showEvent(e, true),
      state: showState,
    });
    watching.set(topic, stop);
    stopButton.addEventListener('click', () => {
      stop();
      watching.delete(topic);
      row.remove();
      topicInput.focus();
    });
  };

  topicForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const topic = topicInput.value.trim();
    topicError.textContent = '';
    if (!isTopicName(topic)) {
      topicError.textContent = `A topic is ${NAME_RULES.topic}.`;
      return;
    }
    watch(topic);
    topicInput.value = '';
  });

  for (const topic of initialTopics) watch(topic);
  return { watch };
}

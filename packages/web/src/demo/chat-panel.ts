import { isDisplayName, isRoomName, NAME_RULES } from '@herald/protocol';
import { ChatClient, ClientError, type ChatMessage, type ConnectionState, type User } from '../lib/index.js';
import { byId, h } from './dom.js';
import { describeState, formatTime } from './format.js';

const MAX_MESSAGES = 200;

export interface ChatPanel {
  /** Called with the room joined, or undefined after leaving. */
  onRoom(listener: (room: string | undefined) => void): void;
}

/** Join form, messages, member list, send form and the connection status line. */
export function mountChat(gatewayUrl: string): ChatPanel {
  const joinForm = byId('join-form', HTMLFormElement);
  const nameInput = byId('name', HTMLInputElement);
  const roomInput = byId('room', HTMLInputElement);
  const tokenInput = byId('chat-token', HTMLInputElement);
  const joinError = byId('join-error', HTMLElement);
  const roomView = byId('chat-room', HTMLElement);
  const roomName = byId('room-name', HTMLElement);
  const me = byId('me', HTMLElement);
  const missed = byId('missed', HTMLElement);
  const messages = byId('messages', HTMLOListElement);
  const members = byId('members', HTMLUListElement);
  const sendForm = byId('send-form', HTMLFormElement);
  const messageInput = byId('message', HTMLInputElement);
  const sendError = byId('send-error', HTMLElement);
  const leaveButton = byId('leave-button', HTMLButtonElement);
  const stateEl = byId('chat-state', HTMLElement);
  const countdownEl = byId('countdown', HTMLElement);
  const reconnectNow = byId('reconnect-now', HTMLButtonElement);
  const loadOlder = byId('load-older', HTMLButtonElement);
  const olderState = byId('older-state', HTMLElement);

  let client: ChatClient | undefined;
  let room: string | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  const roomListeners: Array<(room: string | undefined) => void> = [];

  const showState = (state: ConnectionState) => {
    const render = () => {
      const { label, countdown } = describeState(state, Date.now());
      if (stateEl.textContent !== label) stateEl.textContent = label;
      countdownEl.textContent = countdown;
    };
    stateEl.dataset.state = state.state;
    clearInterval(ticker);
    render();
    if (state.state === 'reconnecting' && state.at !== undefined) ticker = setInterval(render, 200);
    reconnectNow.hidden = state.state !== 'reconnecting';
  };

  const messageItem = (m: ChatMessage) => {
    const mine = client?.user?.id === m.from.id;
    return h(
      'li',
      { className: mine ? 'message mine' : 'message', attrs: { 'data-id': m.id } },
      h('span', { className: 'from', text: m.from.name }),
      h('span', { className: 'text', text: m.text }),
      h('time', { text: formatTime(m.ts), attrs: { datetime: new Date(m.ts).toISOString() } }),
    );
  };

  const showMessage = (m: ChatMessage) => {
    messages.append(messageItem(m));
    while (messages.children.length > MAX_MESSAGES) messages.firstElementChild?.remove();
    messages.scrollTop = messages.scrollHeight;
  };

  const showMembers = (list: User[]) => {
    members.replaceChildren(
      ...list.map((u) => h('li', { text: u.id === client?.user?.id ? `${u.name} (you)` : u.name })),
    );
  };

  const setRoom = (next: string | undefined) => {
    room = next;
    roomView.hidden = next === undefined;
    joinForm.hidden = next !== undefined;
    for (const listener of roomListeners) listener(next);
  };

  const stop = () => {
    client?.close();
    client = undefined;
    messages.replaceChildren();
    members.replaceChildren();
    missed.hidden = true;
    loadOlder.hidden = true;
    olderState.textContent = '';
    setRoom(undefined);
  };

  joinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = nameInput.value.trim();
    const wanted = roomInput.value.trim();
    joinError.textContent = '';
    if (!isDisplayName(name)) return void (joinError.textContent = `Pick a name: ${NAME_RULES.displayName}.`);
    if (!isRoomName(wanted)) return void (joinError.textContent = `A room is ${NAME_RULES.room}.`);
    stop();
    const token = tokenInput.value.trim();
    const c = new ChatClient({ url: gatewayUrl, name, ...(token ? { token } : {}) });
    client = c;
    c.on('state', showState);
    c.on('message', showMessage);
    c.on('members', (e) => e.room === room && showMembers(e.members));
    c.on('missed', () => (missed.hidden = false));
    c.on('welcome', (w) => (me.textContent = w.user.name));
    c.on('error', (e) => (sendError.textContent = `${e.code}: ${e.message}`));
    roomName.textContent = wanted;
    me.textContent = name;
    setRoom(wanted);
    c.connect();
    c.join(wanted)
      // `more` on a first join: the room has older messages than those shown.
      .then((joined) => void (client === c && (loadOlder.hidden = !joined.more)))
      .catch((err: unknown) => {
        if (client === c && err instanceof ClientError && err.code !== 'superseded' && err.code !== 'closed') {
          sendError.textContent = `Joining ${wanted} failed: ${err.message}`;
        }
      });
    messageInput.focus();
  });

  sendForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = messageInput.value;
    if (!client || room === undefined || text.trim() === '') return;
    sendError.textContent = '';
    messageInput.value = '';
    client.send(room, text).catch((err: unknown) => {
      sendError.textContent = err instanceof ClientError ? `Not sent (${err.code}): ${err.message}` : String(err);
      // Give the text back so it can be sent again.
      if (messageInput.value === '') messageInput.value = text;
    });
  });

  leaveButton.addEventListener('click', () => {
    stop();
    nameInput.focus();
  });

  reconnectNow.addEventListener('click', () => client?.reconnectNow());

  loadOlder.addEventListener('click', () => {
    const c = client;
    if (!c || room === undefined) return;
    loadOlder.disabled = true;
    olderState.textContent = '';
    c.loadOlder(room)
      .then(({ messages: older, more }) => {
        if (client !== c) return;
        // Above everything shown: older pages are not capped like live messages.
        messages.prepend(...older.map(messageItem));
        loadOlder.hidden = !more;
        if (!more) olderState.textContent = 'This is the beginning of the room.';
      })
      .catch((err: unknown) => {
        if (client === c) olderState.textContent = err instanceof ClientError ? `Could not load (${err.code}): ${err.message}` : String(err);
      })
      .finally(() => (loadOlder.disabled = false));
  });

  return { onRoom: (listener) => void roomListeners.push(listener) };
}

import { chatTopic, TIME_TOPIC } from '@herald/protocol';
import './style.css';
import { mountChat } from './chat-panel.js';
import { byId } from './dom.js';
import { mountFeed } from './feed-panel.js';
import { mountPublish } from './publish-panel.js';
import { feedUrl, pageToken, serviceUrls, settingsHref } from './settings.js';

const urls = serviceUrls(location.search, location.hostname);
// ?token=: a JWT for both services (the chat join and the feed's private topics).
const token = pageToken(location.search);
if (token !== undefined) byId('chat-token', HTMLInputElement).value = token;

const gatewayInput = byId('gateway-url', HTMLInputElement);
const streamInput = byId('stream-url', HTMLInputElement);
const settingsError = byId('settings-error', HTMLElement);
gatewayInput.value = urls.gateway;
streamInput.value = urls.stream;
settingsError.textContent = urls.warnings.join(' ');
byId('settings-form', HTMLFormElement).addEventListener('submit', (event) => {
  event.preventDefault();
  const fresh = serviceUrls(`?gateway=${encodeURIComponent(gatewayInput.value)}&stream=${encodeURIComponent(streamInput.value)}`, location.hostname);
  if (fresh.warnings.length > 0) {
    settingsError.textContent = fresh.warnings.join(' ');
    return;
  }
  location.assign(settingsHref(location.href, fresh.gateway, fresh.stream));
});

const chat = mountChat(urls.gateway);
const feed = mountFeed(feedUrl(urls.stream, token), [TIME_TOPIC]);
mountPublish(urls.stream);

const watchChatLine = byId('watch-chat-line', HTMLElement);
const watchChat = byId('watch-chat', HTMLButtonElement);
let currentRoom: string | undefined;
chat.onRoom((room) => {
  currentRoom = room;
  watchChatLine.hidden = room === undefined;
  if (room !== undefined) watchChat.textContent = `Watch ${chatTopic(room)} over SSE`;
});
watchChat.addEventListener('click', () => {
  if (currentRoom !== undefined) feed.watch(chatTopic(currentRoom));
});

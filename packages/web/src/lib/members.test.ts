import { describe, expect, it } from 'vitest';
import { RoomMembers } from './members.js';

const alice = { id: 'u1', name: 'alice' };
const bob = { id: 'u2', name: 'bob' };

describe('RoomMembers', () => {
  it('starts from the joined snapshot and follows presence', () => {
    const members = new RoomMembers();
    members.reset([alice]);
    members.add(bob);
    expect(members.list()).toEqual([alice, bob]);
    members.remove(alice);
    expect(members.list()).toEqual([bob]);
  });

  it('lists a user with two connections once, until both have left', () => {
    const members = new RoomMembers();
    members.reset([alice, alice, bob]);
    expect(members.list()).toEqual([alice, bob]);
    members.remove(alice);
    expect(members.list()).toEqual([alice, bob]);
    members.remove(alice);
    members.remove(alice); // a stray leave does not go negative
    members.add(alice);
    expect(members.list()).toEqual([bob, alice]);
  });
});

/**
 * What a contract suite gets from each backend: a repository on a fresh, empty store, and a way to
 * open a second repository on the same store (a new connection or client, as after a restart or
 * on another replica). The backend's test file closes what it opened after each test.
 */
export interface StoreFixture<R> {
  readonly repository: R;
  reopen(): Promise<R>;
}

export type MakeStoreFixture<R> = () => Promise<StoreFixture<R>>;

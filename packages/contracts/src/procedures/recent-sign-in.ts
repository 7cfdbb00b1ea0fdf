/**
 * How recent a sign-in the privilege-changing admin mutations need (RFC 9470
 * `max_age`, seconds): a session left open on a shared screen, or a stolen
 * refresh token, cannot hand out roles or end other users' sessions.
 */
export const RECENT_SIGN_IN_SECONDS = 300;

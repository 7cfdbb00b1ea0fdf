import type { StepUpErrorData, StepUpRequirement } from '@gatehouse/contracts';
import { acrSatisfies, type SignInAuthentication } from '../tokens/sign-in-authentication.js';
import type { Principal } from './principal.js';

/**
 * Whether a principal's sign-in meets a contract's step-up requirement
 * (RFC 9470): strong enough (`acr`) and recent enough (`auth_time` within
 * `maxAgeSeconds`). Only an access token carries a sign-in: an API key, a
 * client credentials token or a certificate never meets one, since no person
 * signed in for the call.
 */
export function meetsStepUp(principal: Principal, requirement: StepUpRequirement, nowSeconds: number): boolean {
  const signIn: SignInAuthentication | undefined = principal.credential.type === 'access_token' ? principal.credential.authentication : undefined;
  if (signIn === undefined) return false;
  if (requirement.acr !== undefined && !acrSatisfies(signIn.acr, requirement.acr)) return false;
  if (requirement.maxAgeSeconds !== undefined && nowSeconds - signIn.authTime > requirement.maxAgeSeconds) return false;
  return true;
}

/** The challenge's parameters: all of the requirement, so one new sign-in satisfies it whatever fell short. */
export function stepUpChallenge(requirement: StepUpRequirement): StepUpErrorData {
  return {
    ...(requirement.acr === undefined ? {} : { acrValues: [requirement.acr] }),
    ...(requirement.maxAgeSeconds === undefined ? {} : { maxAge: requirement.maxAgeSeconds }),
  };
}

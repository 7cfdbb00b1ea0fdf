import type { Region } from '@gatehouse/contracts';
import type { OrderRecord } from '../stores/order-store.js';

/*
 * The sales region of a shipping country (ISO 3166-1 alpha-2). Deliberately
 * a short table of the countries the demo ships to, not a world atlas: a
 * country missing here belongs to no region, so region rules refuse it
 * rather than guess.
 */
const EMEA = 'AT BE BG CH CY CZ DE DK EE ES FI FR GB GR HR HU IE IS IT LI LT LU LV MT NL NO PL PT RO SE SI SK AE IL SA TR ZA EG KE NG MA';
const AMERICAS = 'US CA MX BR AR CL CO PE UY';
const APAC = 'JP KR CN HK TW SG MY TH VN ID PH IN AU NZ';

const REGION_OF_COUNTRY: ReadonlyMap<string, Region> = new Map([
  ...EMEA.split(' ').map((country) => [country, 'emea'] as const),
  ...AMERICAS.split(' ').map((country) => [country, 'americas'] as const),
  ...APAC.split(' ').map((country) => [country, 'apac'] as const),
]);

/** The region a country belongs to, or undefined for one outside the table. */
export function regionOfCountry(country: string): Region | undefined {
  return REGION_OF_COUNTRY.get(country);
}

/** An order belongs to the region it ships to. */
export function regionOfOrder(order: OrderRecord): Region | undefined {
  return regionOfCountry(order.shippingAddress.country);
}

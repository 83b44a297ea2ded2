import { contacts } from './contacts.ts';
import type { EntityDefinition } from './entityDefinition.ts';
import { invoices } from './invoices.ts';

/** Every entity Bulkport imports and exports, by GraphQL Entity enum value. */
const ENTITIES: Record<string, EntityDefinition> = {
  [contacts.name]: contacts,
  [invoices.name]: invoices,
};

export function entityByName(name: string): EntityDefinition {
  const entity = ENTITIES[name];
  if (!entity) throw new Error(`unknown entity '${name}'`);
  return entity;
}

export function allEntities(): EntityDefinition[] {
  return Object.values(ENTITIES);
}

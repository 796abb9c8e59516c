import * as fs from 'fs';
import * as path from 'path';

import * as ts from 'typescript';

import { reachableIds, sortKeys } from './bundle-definitions';
import type { SchemaBundle } from './generate-schema';
import { isRemoved } from './removed-apis';

/**
 * The schema bundle of a Kubernetes version that `kubernetes-models` ships only as TypeScript declarations and
 * precompiled validators (4.4 and later: no JSON schema to collect, and validators that accept any unknown field).
 * Its declarations are generated from the same OpenAPI document, one interface per definition: every field with
 * its type, optional or required, and its enum as a union of literals. This reads them back into JSON schemas of the
 * shape the 1.27 bundle has (strict objects, nullable optional fields), so one compiler and one checker serve both.
 * The declarations say `number` for every integer and carry no string format: where the 1.27 bundle has the same
 * field, its `integer` type and its format are kept; fields new since 1.27 accept any number and any string.
 */
export function generateSchemaBundleFromTypes(
  packageName: string,
  kubernetesVersion: string,
  base: SchemaBundle,
): SchemaBundle {
  const root = path.dirname(require.resolve(`${packageName}/package.json`));
  const apimachinery = path.join(root, 'node_modules', '@kubernetes-models', 'apimachinery');
  const files = [
    ...declarationFiles(root),
    ...declarationFiles(
      fs.existsSync(apimachinery)
        ? apimachinery
        : path.dirname(require.resolve('@kubernetes-models/apimachinery/package.json')),
    ),
  ];
  const definitions: Record<string, any> = {};
  const kinds: Record<string, string> = {};
  for (const file of files) {
    readDeclarations(file, definitions, kinds, base);
  }
  const servedKinds = Object.fromEntries(
    Object.entries(kinds).filter(([gvk]) => !isRemoved(gvk, kubernetesVersion) && !/\/v\d+alpha\d+\//.test(gvk)),
  );
  const version = require(`${packageName}/package.json`).version;
  return {
    kubernetesVersion,
    source: `kubernetes-models@${version} (its TypeScript declarations), without the APIs Kubernetes ${kubernetesVersion} no longer serves`,
    kinds: sortKeys(servedKinds),
    alphaKinds: [],
    definitions: sortKeys(
      Object.fromEntries(reachableIds(Object.values(servedKinds), definitions).map(id => [id, definitions[id]])),
    ),
  };
}

// `<group>/<version>/*.d.ts` and `v1/*.d.ts`: one definition per file (index files only re-export).
function declarationFiles(root: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('_')) {
        visit(full);
      } else if (entry.isFile() && entry.name.endsWith('.d.ts') && entry.name !== 'index.d.ts') {
        found.push(full);
      }
    }
  };
  visit(root);
  return found.sort();
}

/** `IIoK8sApiCoreV1PodSpec` → `io.k8s.api.core.v1.PodSpec`, the OpenAPI definition name the 1.27 bundle uses. */
export function definitionId(alias: string): string {
  const name = alias.replace(/^I(?=Io)/, '');
  const prefixes: [RegExp, string][] = [
    [
      /^IoK8sApiextensionsApiserverPkgApisApiextensions(V\w+?)([A-Z]\w*)$/,
      'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.',
    ],
    [
      /^IoK8sKubeAggregatorPkgApisApiregistration(V\w+?)([A-Z]\w*)$/,
      'io.k8s.kube-aggregator.pkg.apis.apiregistration.',
    ],
    [/^IoK8sApimachineryPkgApisMeta(V\w+?)([A-Z]\w*)$/, 'io.k8s.apimachinery.pkg.apis.meta.'],
  ];
  for (const [pattern, prefix] of prefixes) {
    const match = pattern.exec(name);
    if (match) {
      return `${prefix}${match[1].toLowerCase()}.${match[2]}`;
    }
  }
  const machinery = /^IoK8sApimachineryPkg(Api|Util|Runtime|Version)([A-Z][a-z]+)?([A-Z]\w*)$/.exec(name);
  if (machinery) {
    const [, area, sub, type] = machinery;
    return area === 'Runtime' || area === 'Version'
      ? `io.k8s.apimachinery.pkg.${area.toLowerCase()}.${(sub ?? '') + type}`
      : `io.k8s.apimachinery.pkg.${area.toLowerCase()}.${sub!.toLowerCase()}.${type}`;
  }
  const api = /^IoK8sApi([A-Z][a-z]+)(V\d+(?:(?:alpha|beta)\d+)?)([A-Z]\w*)$/.exec(name);
  return api ? `io.k8s.api.${api[1].toLowerCase()}.${api[2].toLowerCase()}.${api[3]}` : name;
}

function readDeclarations(
  file: string,
  definitions: Record<string, any>,
  kinds: Record<string, string>,
  base: SchemaBundle,
): void {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  // `export type { IPod as IIoK8sApiCoreV1Pod, … }`: the local name of each definition and its full name.
  const aliases = new Map<string, string>();
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const element of statement.exportClause.elements) {
        if (element.propertyName && /^IIo/.test(element.name.text)) {
          aliases.set(element.propertyName.text, element.name.text);
        }
      }
    }
  }
  const refOf = (name: string) => definitionId(aliases.get(name) ?? name);
  for (const statement of source.statements) {
    if (ts.isInterfaceDeclaration(statement) && aliases.has(statement.name.text)) {
      const id = refOf(statement.name.text);
      const schema = objectSchema(statement.members, refOf, base.definitions[id] as any);
      definitions[id] = schema;
      const literal = (field: string) =>
        schema.properties?.[field]?.enum?.length === 1 ? schema.properties[field].enum[0] : undefined;
      if (literal('apiVersion') && literal('kind')) {
        kinds[`${literal('apiVersion')}/${literal('kind')}`] = id;
      }
    } else if (ts.isTypeAliasDeclaration(statement) && aliases.has(statement.name.text)) {
      const id = refOf(statement.name.text);
      // Scalar definitions (IntOrString, Quantity, Time): the 1.27 schema has their formats; the declarations do not.
      definitions[id] = (base.definitions[id] as any) ?? typeSchema(statement.type, refOf, undefined);
    }
  }
}

function objectSchema(members: ts.NodeArray<ts.TypeElement>, refOf: (name: string) => string, previous: any): any {
  const properties: Record<string, any> = {};
  const required: string[] = [];
  let additional: any;
  for (const member of members) {
    if (ts.isPropertySignature(member) && member.type) {
      const name =
        ts.isStringLiteral(member.name) || ts.isIdentifier(member.name) ? member.name.text : member.name.getText();
      const schema = typeSchema(member.type, refOf, previous?.properties?.[name]);
      if (member.questionToken) {
        properties[name] = nullable(schema);
      } else {
        properties[name] = schema;
        required.push(name);
      }
    } else if (ts.isIndexSignatureDeclaration(member) && member.type) {
      additional = typeSchema(member.type, refOf, previous?.additionalProperties);
    }
  }
  if (additional !== undefined) {
    return { additionalProperties: additional, type: 'object' };
  }
  if (Object.keys(properties).length === 0) {
    // An interface without fields (FieldsV1, RawExtension, JSON) holds any value.
    return {};
  }
  return {
    properties: sortKeys(properties),
    ...(required.length > 0 ? { required: required.sort() } : {}),
    type: 'object',
    additionalProperties: false,
  };
}

function typeSchema(node: ts.TypeNode, refOf: (name: string) => string, previous: any): any {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return previous?.type === 'string' && previous.format
        ? { format: previous.format, type: 'string' }
        : { type: 'string' };
    case ts.SyntaxKind.BooleanKeyword:
      return { type: 'boolean' };
    case ts.SyntaxKind.NumberKeyword:
      return previous?.type === 'integer'
        ? { ...(previous.format ? { format: previous.format } : {}), type: 'integer' }
        : { type: 'number' };
    case ts.SyntaxKind.AnyKeyword:
    case ts.SyntaxKind.UnknownKeyword:
      return {};
  }
  if (ts.isParenthesizedTypeNode(node)) {
    return typeSchema(node.type, refOf, previous);
  }
  if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) {
    return { enum: [node.literal.text], type: 'string' };
  }
  if (ts.isUnionTypeNode(node)) {
    const literals = node.types.filter(t => ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal));
    if (literals.length === node.types.length) {
      return {
        enum: literals.map(t => ((t as ts.LiteralTypeNode).literal as ts.StringLiteral).text).sort(),
        type: 'string',
      };
    }
    return { oneOf: node.types.map(t => typeSchema(t, refOf, undefined)) };
  }
  if (ts.isArrayTypeNode(node)) {
    return { items: typeSchema(node.elementType, refOf, previous?.items), type: 'array' };
  }
  if (ts.isTypeLiteralNode(node)) {
    return objectSchema(node.members, refOf, previous);
  }
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText();
    if (name === 'Array' && node.typeArguments?.length === 1) {
      return { items: typeSchema(node.typeArguments[0], refOf, previous?.items), type: 'array' };
    }
    return { $ref: `${refOf(name)}#` };
  }
  throw new Error(`unexpected type in the kubernetes-models declarations: ${ts.SyntaxKind[node.kind]}`);
}

// An optional field may be null, as in the 1.27 bundle: the API server treats null as unset.
function nullable(schema: any): any {
  if (schema.$ref || schema.oneOf) {
    return { oneOf: [schema, { type: 'null' }] };
  }
  return Object.keys(schema).length === 0 ? schema : sortKeys({ ...schema, nullable: true });
}

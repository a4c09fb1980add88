// Static evaluation of the few expressions that can hold requirement IDs: literals, arrays,
// objects, spreads, template strings, and constants (in the same file or imported from another
// one). Anything else evaluates to an Unresolved value that says where and why, so the collector
// can report it instead of silently losing IDs.
import { lookup, type Scope } from './scope.ts';
import type { AstNode, ModuleGraph, SourceModule } from './source-module.ts';
import { nameOf, unwrap } from './source-module.ts';

/** A value the collector could not work out, with where and why. */
export class Unresolved {
  readonly reason: string;
  readonly file: string;
  readonly line: number;
  constructor(reason: string, module: SourceModule, node: AstNode) {
    this.reason = reason;
    this.file = module.path;
    this.line = module.position(node.start).line;
  }
}

/** A function or class: fine as a test body, never a tag. */
export const OPAQUE_FUNCTION: unique symbol = Symbol('function');

/** Returned by {@link Evaluator.special} for an expression it leaves to the general rules. */
export const UNHANDLED: unique symbol = Symbol('unhandled');

/** Evaluates expressions of one collection run, caching module-level constants. */
export class Evaluator {
  protected readonly graph: ModuleGraph;
  private readonly constants = new Map<string, unknown>();
  private readonly inProgress = new Set<unknown>();

  constructor(graph: ModuleGraph) {
    this.graph = graph;
  }

  /**
   * The value of `node` in `module` (inside `scope`, for names declared in functions and blocks),
   * with Unresolved in place of whatever cannot be known.
   */
  evaluate(node: AstNode, module: SourceModule, scope?: Scope): unknown {
    const n = unwrap(node);
    const special = this.special(n, module, scope);
    if (special !== UNHANDLED) return special;
    switch (n.type) {
      case 'Literal':
        return n.regex ? new Unresolved('a regular expression', module, n) : n.value;
      case 'TemplateLiteral': {
        const quasis = n.quasis as AstNode[];
        const expressions = n.expressions as AstNode[];
        let text = (quasis[0]!.value as { cooked: string | null }).cooked ?? '';
        for (let i = 0; i < expressions.length; i += 1) {
          const part = this.evaluate(expressions[i]!, module, scope);
          if (part instanceof Unresolved) return part;
          if (typeof part !== 'string' && typeof part !== 'number')
            return new Unresolved('a template with a non-constant part', module, expressions[i]!);
          text += String(part) + ((quasis[i + 1]!.value as { cooked: string | null }).cooked ?? '');
        }
        return text;
      }
      case 'ArrayExpression': {
        const out: unknown[] = [];
        for (const element of n.elements as (AstNode | null)[]) {
          if (!element) continue;
          if (element.type === 'SpreadElement') {
            const spread = this.evaluate(element.argument as AstNode, module, scope);
            if (spread instanceof Unresolved) out.push(spread);
            else if (Array.isArray(spread)) out.push(...(spread as unknown[]));
            else out.push(new Unresolved('a spread of something that is not an array', module, element));
          } else out.push(this.evaluate(element, module, scope));
        }
        return out;
      }
      case 'ObjectExpression': {
        const out: Record<string, unknown> = {};
        for (const property of n.properties as AstNode[]) {
          if (property.type === 'SpreadElement') {
            const spread = this.evaluate(property.argument as AstNode, module, scope);
            if (spread instanceof Unresolved) return spread; // it may hold `tags`
            if (spread && typeof spread === 'object') Object.assign(out, spread);
            continue;
          }
          const key = property.computed
            ? this.evaluate(property.key as AstNode, module, scope)
            : nameOf(property.key as AstNode);
          if (key instanceof Unresolved) return key;
          const value = property.value as AstNode;
          out[String(key)] =
            property.method || property.kind !== 'init'
              ? OPAQUE_FUNCTION
              : this.evaluate(value, module, scope);
        }
        return out;
      }
      case 'ArrowFunctionExpression':
      case 'FunctionExpression':
      case 'ClassExpression':
        return OPAQUE_FUNCTION;
      case 'Identifier':
        return this.identifier(nameOf(n), module, n, scope);
      case 'MemberExpression': {
        const object = this.evaluate(n.object as AstNode, module, scope);
        if (object instanceof Unresolved) return object;
        const key = n.computed
          ? this.evaluate(n.property as AstNode, module, scope)
          : nameOf(n.property as AstNode);
        if (key instanceof Unresolved) return key;
        if (object === null || (typeof object !== 'object' && typeof object !== 'string'))
          return new Unresolved(`a property of a non-constant value`, module, n);
        if (typeof key !== 'string' && typeof key !== 'number')
          return new Unresolved('a computed property', module, n);
        const value = (object as Record<string, unknown>)[key];
        if (value === undefined && !Object.hasOwn(object as object, key))
          return new Unresolved(`no property \`${key}\``, module, n);
        return value;
      }
      case 'BinaryExpression': {
        if (n.operator !== '+') return new Unresolved(`an expression (${n.operator as string})`, module, n);
        const left = this.evaluate(n.left as AstNode, module, scope);
        const right = this.evaluate(n.right as AstNode, module, scope);
        if (left instanceof Unresolved) return left;
        if (right instanceof Unresolved) return right;
        return (left as string) + (right as string);
      }
      case 'CallExpression': {
        // `Object.freeze(x)` keeps x's value; any other call is run-time.
        const callee = unwrap(n.callee as AstNode);
        const args = n.arguments as AstNode[];
        if (
          callee.type === 'MemberExpression' &&
          !callee.computed &&
          (callee.object as AstNode).type === 'Identifier' &&
          nameOf(callee.object as AstNode) === 'Object' &&
          nameOf(callee.property as AstNode) === 'freeze' &&
          args.length === 1
        )
          return this.evaluate(args[0]!, module, scope);
        return new Unresolved(`a function call (${describe(module, n)})`, module, n);
      }
      case 'TSEnumDeclaration':
        return this.enumMembers(n, module, scope);
      case 'UnaryExpression':
        if (n.operator === '-' || n.operator === '+') {
          const value = this.evaluate(n.argument as AstNode, module, scope);
          if (typeof value === 'number') return n.operator === '-' ? -value : value;
        }
        return new Unresolved(`an expression (${describe(module, n)})`, module, n);
      default:
        return new Unresolved(`a run-time expression (${describe(module, n)})`, module, n);
    }
  }

  /**
   * A hook for evaluators of other files (a Vitest config) that know a few run-time functions; the
   * default knows none.
   */
  protected special(_node: AstNode, _module: SourceModule, _scope: Scope | undefined): unknown {
    return UNHANDLED;
  }

  /** An enum as the object of its members; members without an initializer count on from the last number. */
  private enumMembers(n: AstNode, module: SourceModule, scope: Scope | undefined): unknown {
    const members = ((n.body as AstNode | undefined)?.members ?? n.members ?? []) as AstNode[];
    const out: Record<string, unknown> = {};
    let next: unknown = 0;
    for (const member of members) {
      const key = nameOf(member.id as AstNode);
      const init = member.initializer as AstNode | null;
      const value = init ? this.evaluate(init, module, scope) : next;
      out[key] = value;
      next =
        typeof value === 'number'
          ? value + 1
          : new Unresolved(`enum member after \`${key}\` has no value`, module, member);
    }
    return out;
  }

  /** The value of a name: a const of an enclosing scope, a module-level const, an import of one. */
  private identifier(name: string, module: SourceModule, node: AstNode, scope?: Scope): unknown {
    if (name === 'undefined') return undefined;
    const local = lookup(scope, name);
    if (local) return this.localValue(name, local, module, node);
    const binding = module.bindings.get(name);
    if (!binding) return new Unresolved(`\`${name}\` is not declared in this file (a global)`, module, node);
    const key = `${module.path}\0${name}`;
    if (this.constants.has(key)) return this.constants.get(key);
    if (this.inProgress.has(key)) return new Unresolved(`\`${name}\` refers to itself`, module, node);
    this.inProgress.add(key);
    let value: unknown;
    switch (binding.kind) {
      case 'variable':
        value =
          binding.declaration !== 'const'
            ? new Unresolved(`\`${name}\` is declared with ${binding.declaration}, not const`, module, node)
            : binding.init
              ? this.evaluate(binding.init, module)
              : undefined;
        break;
      case 'function':
        value = OPAQUE_FUNCTION;
        break;
      case 'import':
        value = this.imported(binding.source, binding.imported, module, node);
        break;
      default:
        value = new Unresolved(`\`${name}\` is not a plain constant`, module, node);
    }
    this.inProgress.delete(key);
    this.constants.set(key, value);
    return value;
  }

  /** The value of a name declared inside a function or block. */
  private localValue(
    name: string,
    local: NonNullable<ReturnType<typeof lookup>>,
    module: SourceModule,
    node: AstNode,
  ): unknown {
    if (local.kind === 'unknown') return new Unresolved(local.reason, module, node);
    if (local.kind === 'function') return OPAQUE_FUNCTION;
    if (local.kind === 'value') return local.value;
    if (!local.node) return undefined;
    if (this.inProgress.has(local)) return new Unresolved(`\`${name}\` refers to itself`, module, node);
    this.inProgress.add(local);
    const value = this.evaluate(local.node, local.module, local.scope);
    this.inProgress.delete(local);
    return value;
  }

  /** The value of an export of another module, following re-exports; JSON modules are read as data. */
  private imported(source: string, name: string, from: SourceModule, node: AstNode): unknown {
    const json = this.graph.loadJson(from, source);
    if (json !== undefined) {
      if (json instanceof Error)
        return new Unresolved(`\`${source}\` is not valid JSON: ${json.message}`, from, node);
      if (name === 'default') return json.value;
      if (name === '*') return { default: json.value, ...(json.value as object) };
      return (
        (json.value as Record<string, unknown> | null)?.[name] ??
        new Unresolved(`no \`${name}\` in ${source}`, from, node)
      );
    }
    const target = this.graph.loadImport(from, source);
    if (!target)
      return new Unresolved(
        `\`${name}\` comes from \`${source}\`, ${this.graph.whyNotLocal(from, source)}`,
        from,
        node,
      );
    if (name === '*') {
      const namespace: Record<string, unknown> = {};
      for (const exported of target.exports.keys())
        namespace[exported] = this.exportOf(target, exported, from, node);
      return namespace;
    }
    return this.exportOf(target, name, from, node);
  }

  /** An export of `module`; problems are reported at `node` in `from`, the importing site. */
  private exportOf(module: SourceModule, name: string, from: SourceModule, node: AstNode): unknown {
    const entry = module.exports.get(name);
    if (entry && 'local' in entry)
      return this.identifier(entry.local, module, module.bindings.get(entry.local)?.node ?? node);
    if (entry) return this.imported(entry.source, entry.imported, module, module.program);
    for (const source of module.starExports) {
      const target = this.graph.loadImport(module, source);
      if (target) {
        const value = this.exportOf(target, name, from, node);
        if (!(value instanceof Unresolved)) return value;
      }
    }
    return new Unresolved(`\`${name}\` is not exported by ${module.path}`, from, node);
  }
}

function describe(module: SourceModule, node: AstNode): string {
  const text = module.text.slice(node.start, node.end).replace(/\s+/g, ' ');
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

import { Size, SizeRoundingBehavior } from 'cdk8s';

const UNITS = [
  { suffix: 'Pi', to: (s: Size, o: object) => s.toPebibytes(o), from: Size.pebibyte },
  { suffix: 'Ti', to: (s: Size, o: object) => s.toTebibytes(o), from: Size.tebibytes },
  { suffix: 'Gi', to: (s: Size, o: object) => s.toGibibytes(o), from: Size.gibibytes },
  { suffix: 'Mi', to: (s: Size, o: object) => s.toMebibytes(o), from: Size.mebibytes },
  { suffix: 'Ki', to: (s: Size, o: object) => s.toKibibytes(o), from: Size.kibibytes },
];

/** A binary quantity (`5Gi`, `512Mi`) as a cdk8s Size, or `undefined` when it is not one. */
export function sizeFromQuantity(quantity: string): Size | undefined {
  const match = /^(\d+)(Ki|Mi|Gi|Ti|Pi)$/.exec(quantity);
  if (!match) {
    return undefined;
  }
  return UNITS.find(unit => unit.suffix === match[2])!.from(Number(match[1]));
}

/** A Size as the shortest exact binary quantity: 5 GiB → `5Gi`, 1.5 GiB → `1536Mi`. */
export function sizeToQuantity(size: Size): string {
  for (const unit of UNITS) {
    const amount = unit.to(size, { rounding: SizeRoundingBehavior.NONE });
    if (Number.isInteger(amount) && amount > 0) {
      return `${amount}${unit.suffix}`;
    }
  }
  throw new Error(
    `a size of ${size.toKibibytes({ rounding: SizeRoundingBehavior.NONE })}Ki is not a whole number of KiB`,
  );
}

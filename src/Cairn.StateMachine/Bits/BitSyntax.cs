using Cairn.StateMachine.Collections;

namespace Cairn.StateMachine.Bits;

/// <summary>
/// The bit commands' arguments made into commands as Redis 7.0's bitops.c reads them (argv with the command name
/// first, arity already checked), and the bit ops' operand rules. Operands: <see cref="BitsOp"/>.
/// </summary>
public static class BitSyntax
{
    /// <summary>proto-max-bulk-len: a bit offset's byte must be below it.</summary>
    public const long MaxBytes = KvStateMachine.MaxStringLength;

    public const string BadOffset = "ERR bit offset is not an integer or out of range";
    public const string BadBit = "ERR bit is not an integer or out of range";
    private const string BadType = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

    private static KvOp Op(BitsOp op) => KvOps.Of(op);

    /// <summary>getBitOffsetFromArgument: an integer (with <paramref name="bits"/> &gt; 0, "#n" is n fields of that width) whose byte is below 512 MB.</summary>
    public static bool TryOffset(byte[] arg, int bits, out ulong offset)
    {
        offset = 0;
        var hash = bits > 0 && arg.Length > 0 && arg[0] == '#';
        if (!RedisNumbers.TryParseInt64(arg.AsSpan(hash ? 1 : 0), out var value))
        {
            return false;
        }
        if (hash)
        {
            value = unchecked(value * bits);
        }
        if (value < 0 || (value >> 3) >= MaxBytes)
        {
            return false;
        }
        offset = (ulong)value;
        return true;
    }

    public static Parsed SetBit(byte[][] argv)
    {
        if (!TryOffset(argv[2], 0, out var offset))
        {
            return Parsed.Fail(BadOffset);
        }
        if (!RedisNumbers.TryParseInt64(argv[3], out var bit) || (bit & ~1L) != 0)
        {
            return Parsed.Fail(BadBit);
        }
        return new KvCommand(Op(BitsOp.SetBit), [argv[1]], (long)offset, bit);
    }

    public static Parsed GetBit(byte[][] argv) =>
        TryOffset(argv[2], 0, out var offset) ? new KvCommand(Op(BitsOp.GetBit), [argv[1]], (long)offset) : Parsed.Fail(BadOffset);

    /// <summary>BITCOUNT key [start end [BYTE|BIT]]: the range is read only once the key is known to hold a string.</summary>
    public static Parsed BitCount(byte[][] argv) => new KvCommand(Op(BitsOp.BitCount), argv[1..]);

    /// <summary>BITPOS key bit [start [end [BYTE|BIT]]]: the bit first; the range once the key is known to hold a string.</summary>
    public static Parsed BitPos(byte[][] argv)
    {
        if (!RedisNumbers.TryParseInt64(argv[2], out var bit))
        {
            return Parsed.Fail(KvErrors.NotInteger);
        }
        if (bit is not (0 or 1))
        {
            return Parsed.Fail("ERR The bit argument must be 1 or 0.");
        }
        return new KvCommand(Op(BitsOp.BitPos), [argv[1], .. argv[3..]], bit);
    }

    /// <summary>BITOP AND|OR|XOR|NOT destkey key [key ...].</summary>
    public static Parsed BitOp(byte[][] argv)
    {
        var op = Array.FindIndex(["AND", "OR", "XOR", "NOT"], name => ScanSyntax.Is(argv[1], name));
        if (op < 0)
        {
            return Parsed.Fail(KvErrors.Syntax);
        }
        if (op == 3 && argv.Length != 4)
        {
            return Parsed.Fail("ERR BITOP NOT must be called with a single source key.");
        }
        return new KvCommand(Op(BitsOp.BitOp), argv[2..], op);
    }

    public static Parsed BitField(byte[][] argv) => Fields(argv, readOnly: false);

    public static Parsed BitFieldRo(byte[][] argv) => Fields(argv, readOnly: true);

    /// <summary>bitfieldGeneric's parse: every op checked before the key is looked up; GETs only make a query.</summary>
    private static Parsed Fields(byte[][] argv, bool readOnly)
    {
        var ops = new List<byte[]> { argv[1] };
        var overflow = BitFields.Wrap;
        var writes = false;
        for (var j = 2; j < argv.Length; j++)
        {
            var left = argv.Length - j - 1;
            byte code;
            if (ScanSyntax.Is(argv[j], "GET") && left >= 2)
            {
                code = BitFields.Get;
            }
            else if (ScanSyntax.Is(argv[j], "SET") && left >= 3)
            {
                code = BitFields.Set;
            }
            else if (ScanSyntax.Is(argv[j], "INCRBY") && left >= 3)
            {
                code = BitFields.IncrBy;
            }
            else if (ScanSyntax.Is(argv[j], "OVERFLOW") && left >= 1)
            {
                var kind = Array.FindIndex(["WRAP", "SAT", "FAIL"], name => ScanSyntax.Is(argv[j + 1], name));
                if (kind < 0)
                {
                    return Parsed.Fail("ERR Invalid OVERFLOW type specified");
                }
                overflow = (byte)kind;
                j++;
                continue;
            }
            else
            {
                return Parsed.Fail(KvErrors.Syntax);
            }
            if (!TryType(argv[j + 1], out var signed, out var bits))
            {
                return Parsed.Fail(BadType);
            }
            if (!TryOffset(argv[j + 2], bits, out var offset))
            {
                return Parsed.Fail(BadOffset);
            }
            long value = 0;
            if (code != BitFields.Get)
            {
                writes = true;
                if (!RedisNumbers.TryParseInt64(argv[j + 3], out value))
                {
                    return Parsed.Fail(KvErrors.NotInteger);
                }
            }
            ops.Add(BitFields.Encode(new BitFields.Op(code, signed, bits, overflow, offset, value)));
            j += code == BitFields.Get ? 2 : 3;
        }
        if (writes && readOnly)
        {
            return Parsed.Fail("ERR BITFIELD_RO only supports the GET subcommand");
        }
        return new KvCommand(Op(writes ? BitsOp.BitField : BitsOp.BitFieldRo), [.. ops]);
    }

    /// <summary>getBitfieldTypeFromArgument: i1..i64 or u1..u63, lower case.</summary>
    private static bool TryType(byte[] arg, out bool signed, out int bits)
    {
        signed = arg.Length > 0 && arg[0] == 'i';
        bits = 0;
        if (arg.Length == 0 || (arg[0] != 'i' && arg[0] != 'u') || !RedisNumbers.TryParseInt64(arg.AsSpan(1), out var width))
        {
            return false;
        }
        if (width < 1 || width > (signed ? 64 : 63))
        {
            return false;
        }
        bits = (int)width;
        return true;
    }

    /// <summary>The operand rules of the bit ops (see <see cref="BitsOp"/>): Redis's error, or null.</summary>
    public static string? Check(KvCommand c)
    {
        var n = c.Args.Length;
        return (BitsOp)c.Op.Low() switch
        {
            BitsOp.SetBit => n != 1 ? KvCommandRules.Arity(c) : !IsOffset(c.Number) ? BadOffset : c.Number2 is not (0 or 1) ? BadBit : null,
            BitsOp.GetBit => n != 1 ? KvCommandRules.Arity(c) : !IsOffset(c.Number) ? BadOffset : null,
            BitsOp.BitOp => n < 2 ? KvCommandRules.Arity(c) : c.Number is < 0 or > 3 ? KvErrors.Syntax : c.Number == 3 && n != 2 ? "ERR BITOP NOT must be called with a single source key." : null,
            BitsOp.BitField or BitsOp.BitFieldRo => n < 1 ? KvCommandRules.Arity(c)
                : !c.Args.Skip(1).All(op => BitFields.IsValid(op)) ? KvErrors.Syntax
                : c.Op == Op(BitsOp.BitFieldRo) && c.Args.Skip(1).Any(op => op[0] != BitFields.Get) ? "ERR BITFIELD_RO only supports the GET subcommand"
                : null,
            BitsOp.BitCount => n < 1 ? KvCommandRules.Arity(c) : null,
            BitsOp.BitPos => n < 1 ? KvCommandRules.Arity(c) : c.Number is not (0 or 1) ? "ERR The bit argument must be 1 or 0." : null,
            _ => $"ERR unknown command op {(ushort)c.Op}",
        };
    }

    private static bool IsOffset(long offset) => offset >= 0 && (offset >> 3) < MaxBytes;
}

using Cairn.StateMachine.Bits;

namespace Cairn.Server.Commands;

/// <summary>The bit commands on strings: their table entries (Redis 7.0's arity, flags, keys, docs); the work is in Cairn.StateMachine.Bits.</summary>
internal static class BitCommands
{
    private const CommandFlags W = CommandFlags.Write;
    private const CommandFlags D = CommandFlags.DenyOom;
    private const CommandFlags R = CommandFlags.ReadOnly;
    private const CommandFlags F = CommandFlags.Fast;
    private static readonly CommandGroup B = new("bitmap", ["@bitmap"], defaultFirstKey: 1, defaultLastKey: 1, defaultStep: 1);
    private const string Whole = "O(N), N the length of the string: Cairn rewrites a string whole.";

    public static IEnumerable<CommandDef> Definitions() =>
    [
        B.Command("setbit", 4, W | D, "Sets or clears the bit at offset in the string value stored at key", "key offset:integer value:integer", c => c.Run(BitSyntax.SetBit(c.Argv())), since: "2.2.0", complexity: Whole),
        B.Command("getbit", 3, R | F, "Returns the bit value at offset in the string value stored at key", "key offset:integer", c => c.Run(BitSyntax.GetBit(c.Argv())), since: "2.2.0"),
        B.Command("bitcount", -2, R, "Count set bits in a string", "key [start:integer end:integer [BYTE|BIT]]", c => c.Run(BitSyntax.BitCount(c.Argv())), since: "2.6.0", complexity: "O(N)"),
        B.Command("bitpos", -3, R, "Find first bit set or clear in a string", "key bit:integer [start:integer [end:integer [BYTE|BIT]]]", c => c.Run(BitSyntax.BitPos(c.Argv())), since: "2.8.7", complexity: "O(N)"),
        B.Command("bitop", -4, W | D, "Perform bitwise operations between strings", "AND|OR|XOR|NOT destkey:key key...", c => c.Run(BitSyntax.BitOp(c.Argv())), firstKey: 2, lastKey: -1, since: "2.6.0", complexity: "O(N)"),
        B.Command("bitfield", -2, W | D, "Perform arbitrary bitfield integer operations on strings", "key [GET encoding:string offset:integer|[OVERFLOW WRAP|SAT|FAIL] SET encoding:string offset:integer value:integer|INCRBY encoding:string offset:integer increment:integer]...", c => c.Run(BitSyntax.BitField(c.Argv())), since: "3.2.0", complexity: Whole),
        B.Command("bitfield_ro", -2, R | F, "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", "key [GET encoding:string offset:integer]...", c => c.Run(BitSyntax.BitFieldRo(c.Argv())), since: "6.0.0", complexity: "O(1) for each subcommand specified"),
    ];
}

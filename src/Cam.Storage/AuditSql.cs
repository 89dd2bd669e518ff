using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query.SqlExpressions;

namespace Cam.Storage;

/// <summary>SQL functions the audit's LINQ queries use, translated per provider so that the database does the work.</summary>
public static class AuditSql
{
    /// <summary>
    /// The value of <paramref name="key"/> in an item's <c>meta</c> object, as text (numbers as written, strings
    /// unquoted, booleans <c>true</c>/<c>false</c>), or null when the item has no such key: <c>jsonb_extract_path_text</c>
    /// on PostgreSQL, <c>json_extract</c> on SQLite. Only in queries.
    /// </summary>
    public static string? MetaValue(string? meta, string key) => throw new InvalidOperationException($"{nameof(MetaValue)} runs in SQL only");

    /// <summary>Whether <paramref name="key"/> can name a meta key in a query: plain names only, so that it needs no quoting in a JSON
    /// path.</summary>
    public static bool IsValidMetaKey(string key) =>
        key.Length is > 0 and <= 64 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ' ');

    internal static void Register(ModelBuilder model, bool postgres)
    {
        model.HasDbFunction(typeof(AuditSql).GetMethod(nameof(MetaValue))!).HasTranslation(args =>
        {
            var (meta, key) = (args[0], args[1]);
            if (postgres)
                return new SqlFunctionExpression("jsonb_extract_path_text", [meta, key], nullable: true, argumentsPropagateNullability: [true, true],
                    typeof(string), key.TypeMapping);
            // SQLite: json_extract(meta, '$."key"'); the key is checked by IsValidMetaKey, so that it needs no escaping.
            // json_extract gives a JSON true or false as 1 or 0: spelled out, as PostgreSQL gives them.
            var path = new SqlFunctionExpression("printf", [new SqlFragmentExpression("'$.\"%s\"'"), key], nullable: true,
                argumentsPropagateNullability: [false, true], typeof(string), key.TypeMapping);
            var type = new SqlFunctionExpression("json_type", [meta, path], nullable: true, argumentsPropagateNullability: [true, true],
                typeof(string), key.TypeMapping);
            var value = new SqlFunctionExpression("json_extract", [meta, path], nullable: true, argumentsPropagateNullability: [true, true],
                typeof(string), key.TypeMapping);
            SqlExpression Text(string text) => new SqlConstantExpression(text, typeof(string), key.TypeMapping);
            return new CaseExpression(type, [new CaseWhenClause(Text("true"), Text("true")), new CaseWhenClause(Text("false"), Text("false"))],
                value);
        });
    }
}

using System.Data.Common;

namespace OneMcp.Infrastructure.Persistence;

/// <summary>
/// Plain ADO.NET commands for the few statements on the way to a listening gateway, which do not wait for Dapper's
/// first use (ADR 0042). Parameters are named as in the SQL (<c>@Name</c>); both providers infer their types.
/// </summary>
internal static class DbCommands
{
    public static DbCommand Create(DbConnection connection, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}

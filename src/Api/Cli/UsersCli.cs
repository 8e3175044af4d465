using System.CommandLine;
using System.Globalization;
using System.Text;
using FluentValidation;
using MediatR;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Application.Users;
using OneMcp.Application.Users.Commands;
using OneMcp.Application.Users.Queries;
using OneMcp.Domain.Common;
using OneMcp.Domain.Users;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Settings;

namespace OneMcp.Api.Cli;

/// <summary>
/// <c>onemcp users add|list|remove|set-password</c>: the people who sign in, managed against the same store
/// <c>serve</c> uses (the schema is migrated first). Bad input exits 2 and a storage failure 1, each with one
/// <c>onemcp:</c> line; a password is read from stdin or prompted for, never taken from the command line.
/// </summary>
internal static class UsersCli
{
    private static readonly Argument<string> NameArgument = new("name") { Description = "The user name: letters, digits, '-', '_', '.' or '@'." };

    private static readonly Option<string> RoleOption = new("--role")
    {
        Description = "admin or member (default member).",
        HelpName = "role",
        DefaultValueFactory = _ => UserRoles.Member,
    };

    private static readonly Option<bool> PasswordStdinOption = CliHelp.Flag("--password-stdin");

    public static Command Create(Option<string> database, Option<string> dataDir, TextWriter error)
    {
        var add = new Command("add", "Add a user; asks for the password.") { NameArgument, RoleOption, PasswordStdinOption, database, dataDir };
        var list = new Command(
            "list", "List the users: name, role, disabled, created, how they sign in (local or provider) and their provider groups (never a password hash).")
        {
            database, dataDir,
        };
        var remove = new Command("remove", "Remove a user (never the last enabled admin).") { NameArgument, database, dataDir };
        var setPassword = new Command(
            "set-password", "Change a local user's password; asks for the new one (users of the identity provider have none here).")
        {
            NameArgument, PasswordStdinOption, database, dataDir,
        };

        // Only add may create the store (the first admin before the first start); the others refuse a SQLite data
        // directory without a database, which is more often a mistyped --data-dir than an empty gateway.
        add.SetAction((result, ct) =>
        {
            AddUserCommand? command = null;
            return RunAsync(result, error, createsStore: true, async (mediator, storage) =>
            {
                var user = await mediator.Send(command!, ct);
                return $"Added the {user.Role} '{user.UserName}' ({storage}).";
            }, ct, check: async () =>
            {
                // Checked before the store is created: a mistyped name, role or password leaves no database behind. The name
                // and the role first, so that a mistake there is said before anyone types a password twice for nothing.
                var validator = new AddUserValidator();
                var userName = result.GetValue(NameArgument)!;
                var role = result.GetValue(RoleOption);
                var early = (await validator.ValidateAsync(new AddUserCommand { UserName = userName, Role = role }, ct)).Errors
                    .Where(f => f.PropertyName != "password").ToList();
                if (early.Count > 0)
                {
                    throw new ValidationException(early);
                }

                command = new AddUserCommand { UserName = userName, Password = await ReadPasswordAsync(result), Role = role };
                await validator.ValidateAndThrowAsync(command, ct);
            });
        });
        list.SetAction((result, ct) => RunAsync(result, error, createsStore: false, async (mediator, _) => FormatTable(await mediator.Send(new ListUsersQuery(), ct)), ct));
        remove.SetAction((result, ct) => RunAsync(result, error, createsStore: false, async (mediator, _) =>
        {
            await mediator.Send(new RemoveUserCommand(result.GetValue(NameArgument)!), ct);
            return $"Removed the user '{result.GetValue(NameArgument)}'.";
        }, ct));
        setPassword.SetAction((result, ct) => RunAsync(result, error, createsStore: false, async (mediator, _) =>
        {
            await mediator.Send(new SetPasswordCommand(result.GetValue(NameArgument)!, await ReadPasswordAsync(result)), ct);
            return $"Changed the password of '{result.GetValue(NameArgument)}'.";
        }, ct));

        return new Command("users", "Manage the users who sign in to approve clients (stored in the gateway's database).")
        {
            add, list, remove, setPassword,
        };
    }

    internal static string FormatTable(IReadOnlyList<UserView> users)
    {
        if (users.Count == 0)
        {
            return "No users. Add one with 'onemcp users add <name> --role admin'.";
        }

        // New columns go after CREATED, so scripts that read the first four keep working; GROUPS is last (a group's
        // name may hold spaces).
        string[] header = ["NAME", "ROLE", "DISABLED", "CREATED", "SOURCE", "GROUPS"];
        var rows = users.Select(u => new[]
        {
            u.UserName,
            u.Role,
            u.Disabled ? "yes" : "no",
            u.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            u.Source,
            u.Groups.Count == 0 ? "-" : string.Join(", ", u.Groups),
        }).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(i => rows.Select(r => r[i].Length).Append(header[i].Length).Max()).ToArray();
        return string.Join(Environment.NewLine, rows.Prepend(header).Select(row =>
            string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i])))));
    }

    private static async Task<int> RunAsync(
        ParseResult result, TextWriter error, bool createsStore, Func<IMediator, StorageOptions, Task<string>> action, CancellationToken cancellationToken,
        Func<Task>? check = null)
    {
        StorageOptions? storage = null;
        try
        {
            storage = OneMcpCli.Settings(result).ResolveStorage();
            if (!createsStore && storage.ConnectionString is null && !File.Exists(Path.Combine(storage.DataDirectory, PersistenceOptions.SqliteFileName)))
            {
                throw new CliException(
                    $"there is no gateway database in {storage.DataDirectory}: give the --data-dir (or ONEMCP_DATA_DIR) the gateway runs with, or add the first user with 'onemcp users add'.");
            }

            if (check is not null)
            {
                await check();
            }

            // No log providers: the command's own output and its one error line are all that is printed.
            await using var provider = GatewayServices.BuildForCommand(storage, _ => { });
            await provider.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
            await using var scope = provider.CreateAsyncScope();
            await Console.Out.WriteLineAsync(await action(scope.ServiceProvider.GetRequiredService<IMediator>(), storage));
            return OneMcpCli.ExitOk;
        }
        catch (Exception e) when (e is InvalidSettingException or CliException or ValidationException or DuplicateNameException or NotFoundException
            or LastAdminException or DomainException)
        {
            var message = e is ValidationException invalid ? string.Join(' ', invalid.Errors.Select(f => f.ErrorMessage).Distinct()) : e.Message;
            await error.WriteLineAsync($"onemcp: {message}");
            return OneMcpCli.ExitUsage;
        }
        catch (Exception e) when (OneMcpCli.IsStartFailure(e) || e is ConcurrencyConflictException)
        {
            await error.WriteLineAsync($"onemcp: cannot use the users of {storage}: {e.Message.ReplaceLineEndings(" ")}");
            return OneMcpCli.ExitStartFailed;
        }
    }

    private static async Task<string> ReadPasswordAsync(ParseResult result)
    {
        if (result.GetValue(PasswordStdinOption))
        {
            // The first line, without its line ending, as `printf '%s\n' "$PASSWORD" | onemcp ...` sends it.
            var line = await Console.In.ReadLineAsync();
            return string.IsNullOrEmpty(line) ? throw new CliException("--password-stdin: no password on stdin.") : line;
        }

        if (Console.IsInputRedirected)
        {
            throw new CliException("no password: pass --password-stdin and write the password to stdin, or run in a terminal to be asked for it.");
        }

        var first = Prompt("Password: ");
        var second = Prompt("Repeat the password: ");
        await Console.Out.FlushAsync();
        return first == second ? first : throw new CliException("the two passwords differ; nothing was changed.");
    }

    // Read key by key with echo off, on the terminal (stderr, so stdout stays the command's output).
    private static string Prompt(string prompt)
    {
        Console.Error.Write(prompt);
        var password = new StringBuilder();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace && password.Length > 0)
            {
                password.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }

        Console.Error.WriteLine();
        return password.ToString();
    }
}

"""``vab credentials set|show|rotate-key|generate-key``: the encrypted vault, from the terminal."""

from __future__ import annotations

import argparse
import sys

from visma_airbase_pipeline.vault import (
    Vault,
    VaultError,
    generate_key,
    rotate_key,
    set_credentials,
    show_credentials,
)


def run(args: argparse.Namespace) -> int:
    """Dispatch one credentials action; vault problems are one sentence on stderr, exit 1."""
    if args.action == "generate-key":
        print(generate_key())
        return 0
    try:
        vault = Vault.from_settings()
        if args.action == "set":
            changed = set_credentials(vault, fields=args.field or None)
            print(f"Stored {', '.join(changed)}." if changed else "Nothing changed.")
        elif args.action == "show":
            for name, value in show_credentials(vault).items():
                print(f"{name:28} {value}")
        elif args.action == "rotate-key":
            new_value = rotate_key(vault, args.new_key)
            print("The vault is now encrypted under the new key. Set this as VAB_MASTER_KEY")
            print("(the old key stays listed second until you drop it):")
            print(new_value)
    except (VaultError, ValueError) as error:
        print(str(error), file=sys.stderr)
        return 1
    except (KeyboardInterrupt, EOFError):
        print("\nCancelled; nothing stored.", file=sys.stderr)
        return 1
    return 0

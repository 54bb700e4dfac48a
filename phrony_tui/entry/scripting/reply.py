"""``phrony-tui reply RUN_ID --text T [--file PATH]...``: a conversational reply.

What the app's message dialog does, without the dialog: the run must be waiting
for a response (``WaitingForResponse``); every file is checked before anything
is uploaded (files.py); each is uploaded (presign -> PUT -> finalize, the
client's ``upload_file``), then one message carries the text and ``files[]``,
sent once (sending.py). An upload that fails sends no message. ``--dry-run``
prints the route and the body (files as they would be attached) and sends or
uploads nothing.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any
from urllib.parse import quote

from phrony_tui.client import PhronyError
from phrony_tui.client.messages import build_message_body
from phrony_tui.client.models import UploadedFile
from phrony_tui.core.safe_text import one_line
from phrony_tui.core.status import ending_action
from phrony_tui.entry.scripting.common import Context, Exit, code_for, explain, new_parser
from phrony_tui.entry.scripting.sending import print_dry_run, send_once
from phrony_tui.live.local_files import LocalFile, check_local_file
from phrony_tui.live.outcome import check_reply, last_ordinal, waits_for_reply

EXAMPLES = """\
  phrony-tui reply RUN_ID --text "The order number is ORD-1234"
  phrony-tui reply RUN_ID --text "Here is the invoice" --file invoice.pdf --file notes.txt
  git log -1 --format=%B | phrony-tui reply RUN_ID --text -      # the text from stdin
  phrony-tui reply RUN_ID --file photo.png --dry-run"""


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(
        "reply",
        "Reply to a run waiting for a response (WaitingForResponse), as the app's message "
        "dialog does: text and/or files (each checked first, then uploaded: presign, PUT, "
        "finalize), then one message. It is sent once, never retried by itself; if the "
        "connection fails after sending, the run is read again to say whether it went through.",
        EXAMPLES,
    )
    parser.add_argument("run_id", metavar="RUN_ID", help="the run to reply to (the session's entry run)")
    parser.add_argument("--text", metavar="T", default="", help="the message; - reads it from stdin")
    parser.add_argument("--file", metavar="PATH", action="append", default=[], help="attach a file; repeatable")
    parser.add_argument("--dry-run", action="store_true", help="print the route and the body; upload and send nothing")
    return parser


def _placeholder(local: LocalFile) -> dict[str, Any]:
    return {
        "phronyFile": True,
        "objectKey": f"<the key the upload of {local.name} returns>",
        "filename": local.name,
        "mediaType": local.media_type,
    }


async def run(ctx: Context, args: argparse.Namespace) -> int:
    out = ctx.output
    run_id = args.run_id
    text = sys.stdin.read() if args.text == "-" else args.text
    locals_: list[LocalFile] = []
    for raw in args.file:
        try:
            local = check_local_file(raw)
        except ValueError as error:
            out.error(f"Not attached: {error}. Nothing was sent.")
            return Exit.USAGE
        if any(known.path == local.path for known in locals_):
            out.error(f"Not attached: {one_line(local.name, 100)} is attached already. Nothing was sent.")
            return Exit.USAGE
        locals_.append(local)
    if not text.strip() and not locals_:
        out.error("Nothing to send: give --text TEXT and/or --file PATH.")
        return Exit.USAGE
    message_text = text if text.strip() else None
    route = f"POST /v1/runs/{quote(run_id, safe='')}/messages"
    async with ctx.client() as client:
        conversation = await client.get_conversation(run_id, lazy=True)
        if not waits_for_reply(conversation):
            status = one_line(conversation.session.status or "?", 40)
            hint = f": phrony-tui answer {one_line(run_id, 64)} ..." if ending_action(status) == "answer" else ""
            out.error(f"the session is {status}, not waiting for a reply{hint}. Nothing was sent.")
            return Exit.NOT_DONE
        if args.dry_run:
            body = build_message_body(run_id, text=message_text, files=[_placeholder(f) for f in locals_] or None)
            if locals_:
                out.note(f"{len(locals_)} file(s) would be uploaded first: presign, PUT, finalize")
            return print_dry_run(out, route, body)
        uploaded: list[UploadedFile] = []
        for local in locals_:
            try:
                uploaded.append(await client.upload_file(local.path, media_type=local.media_type))
            except PhronyError as error:
                out.error(f"Uploading {one_line(local.name, 100)} failed: {explain(error)} — no message was sent.")
                return code_for(error)
        files = ", ".join(one_line(f.filename, 60) for f in uploaded)
        what = "Sent a message" if message_text else "Sent no text"
        if uploaded:
            what += f" with {len(uploaded)} file(s) ({files})"
        return await send_once(
            out,
            what,
            lambda: client.send_run_message(run_id, text=message_text, files=uploaded or None),
            check_reply(client, run_id, last_ordinal(conversation)),
            stale="The run is no longer waiting for this reply",
            show_hint=f"phrony-tui show {one_line(run_id, 64)}",
        )

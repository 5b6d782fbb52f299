# iptux-ui.py: drives a lab iptux's window over AT-SPI (camlab `iptux accept`): presses "Accept" on a peer's offered files, then "Save" in the folder chooser.
# Run by camlab inside the iptux instance's namespaces with its DBUS_SESSION_BUS_ADDRESS and
# DISPLAY (iptux started with `camlab iptux start HOST --ui`, so GTK exports its widget tree to
# the accessibility bus). The peer's chat window must be open (camlab opens it with iptux's
# `app.open-chat` action first). Exit status: 0 done, 1 failure (message on stderr), 2 usage.
import sys
import time

USAGE = "usage: iptux-ui.py accept PEER_IPV4 [TIMEOUT_S]"


def fail(msg):
    sys.stderr.write("iptux-ui: %s\n" % msg)
    sys.exit(1)


try:
    import pyatspi
    from gi.repository import Atspi
except ImportError as e:
    sys.stderr.write("iptux-ui: python3-pyatspi is missing (%s); apt-get install python3-pyatspi\n" % e)
    sys.exit(1)


def state(acc, st):
    try:
        return acc.getState().contains(st)
    except Exception:
        return False


def find(root, pred, depth=0):
    """first descendant of root (depth first) for which pred is true"""
    if depth > 40:
        return None
    try:
        n = root.childCount
    except Exception:
        return None
    for i in range(n):
        try:
            c = root.getChildAtIndex(i)
        except Exception:
            continue
        if c is None:
            continue
        try:
            if pred(c):
                return c
        except Exception:
            pass
        r = find(c, pred, depth + 1)
        if r is not None:
            return r
    return None


def iptux_app():
    desk = pyatspi.Registry.getDesktop(0)
    for i in range(desk.childCount):
        a = desk.getChildAtIndex(i)
        if a is not None and a.name == "iptux":
            return a
    return None


def wait_for(what, fn, deadline):
    while True:
        r = fn()
        if r is not None:
            return r
        if time.monotonic() > deadline:
            fail("timed out waiting for %s" % what)
        time.sleep(0.2)


def button(root, name):
    return find(root, lambda c: c.getRoleName() == "push button" and c.name.replace("_", "") == name
                and state(c, pyatspi.STATE_SHOWING) and state(c, pyatspi.STATE_SENSITIVE))


def press(btn, what):
    """click btn through its AT-SPI action (which answers once the click handler returns)"""
    act = btn.queryAction()
    for i in range(act.nActions):
        if act.getName(i) == "click":
            act.doAction(i)
            return
    fail("%s has no click action" % what)


def press_by_key(btn, what):
    """focus btn (GTK also gives its window the X input focus) and press space through XTest:
    for a button whose handler runs a modal dialog (gtk_dialog_run), whose AT-SPI click would
    not answer until the dialog closes and keeps the whole window tree from answering meanwhile"""
    if not btn.queryComponent().grabFocus():
        fail("cannot focus %s" % what)
    deadline = time.monotonic() + 3
    while not state(btn, pyatspi.STATE_FOCUSED):
        if time.monotonic() > deadline:
            fail("%s did not take the focus" % what)
        time.sleep(0.05)
    Atspi.generate_keyboard_event(0x20, None, Atspi.KeySynthType.SYM)  # XK_space


def pending_files(win):
    """names in the "Files to be received" list of the peer window"""
    frame = find(win, lambda c: c.getRoleName() == "panel" and c.name == "Files to be received")
    if frame is None:
        return []
    table = find(frame, lambda c: c.getRoleName() in ("table", "tree table"))
    if table is None:
        return []
    names = []
    try:
        t = table.queryTable()
        for r in range(t.nRows):
            cell = t.getAccessibleAt(r, 2)  # columns: icon, sender, file name, size
            if cell is not None and cell.name:
                names.append(cell.name)
    except Exception:
        pass
    return names


def accept(peer, timeout):
    deadline = time.monotonic() + timeout
    app = wait_for("iptux on the accessibility bus", iptux_app, deadline)
    tag = "IP:" + peer
    win = wait_for("the chat window of %s" % peer,
                   lambda: find(app, lambda c: c.getRoleName() == "frame" and c.name.endswith(tag), 0), deadline)
    # the button shows (without a file to receive) once anything was ever offered: wait for a file
    files = wait_for("a file to receive in the window of %s (none offered, or iptux lists it as received)" % peer,
                     lambda: pending_files(win) or None, deadline)
    btn = wait_for("an enabled Accept button in the window of %s" % peer, lambda: button(win, "Accept"), deadline)
    press_by_key(btn, "Accept")

    def chooser():  # a top-level window of the application
        for i in range(app.childCount):
            c = app.getChildAtIndex(i)
            if c is not None and c.getRoleName() in ("file chooser", "dialog") \
                    and c.name == "Please select a folder to save files.":
                return c
        return None

    dlg = wait_for("the folder chooser", chooser, deadline)
    save = wait_for("its Save button", lambda: button(dlg, "Save"), deadline)
    press(save, "Save")
    wait_for("the folder chooser to close", lambda: None if chooser() is not None else True, deadline)
    print("accepted %d file(s) from %s: %s" % (len(files), peer, " ".join(files)))


def main(argv):
    if len(argv) < 2 or argv[0] != "accept":
        sys.stderr.write(USAGE + "\n")
        return 2
    try:
        timeout = float(argv[2]) if len(argv) > 2 else 10.0
    except ValueError:
        sys.stderr.write(USAGE + "\n")
        return 2
    accept(argv[1], timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

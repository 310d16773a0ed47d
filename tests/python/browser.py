"""A headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
commands on fd 3, replies on fd 4, JSON messages ending in NUL), so a test can wait for a page
to load and then read the DOM of a frame inside it, which --dump-dom and screenshots cannot do
reliably. Only what the notebook test needs: open a page, evaluate an expression in its frames."""
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time


class Browser:
    def __init__(self, timeout=120):
        self.chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if not self.chromium:
            raise AssertionError("no chromium: install it with scripts/setup (apt package 'chromium')")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="ls-chromium-")
        cmd_r, self.cmd_w = os.pipe()   # our commands -> Chromium's fd 3
        self.resp_r, resp_w = os.pipe()  # Chromium's fd 4 -> us

        def child_fds():  # in the child, before exec: the pipe ends at fds 3 and 4
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (cmd_r, resp_w)]  # out of 3/4's way first
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)
        self.proc = subprocess.Popen(
            [self.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--user-data-dir=" + self.profile, "--remote-debugging-pipe", "about:blank"],
            close_fds=False, preexec_fn=child_fds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(cmd_r)
        os.close(resp_w)
        self.buffer, self.next_id, self.events = b"", 0, []
        target = next(t for t in self.call("Target.getTargets")["targetInfos"] if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=target["targetId"], flatten=True)["sessionId"]

    def _read(self, deadline):
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.resp_r], [], [], left)[0]:
                raise AssertionError("chromium did not answer within %d s" % self.timeout)
            chunk = os.read(self.resp_r, 1 << 20)
            if not chunk:
                raise AssertionError("chromium exited (%s)" % self.proc.poll())
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, session=None, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.cmd_w, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise AssertionError("%s: %s" % (method, reply["error"]))
                return reply["result"]
            self.events.append(reply)

    def wait_event(self, method):
        deadline = time.monotonic() + self.timeout
        while True:
            for i, e in enumerate(self.events):
                if e.get("method") == method:
                    return self.events.pop(i)
            self.events.append(self._read(deadline))

    def open(self, url):
        """Navigates and waits for the load event (which waits for every frame in the page).
        Frames that Chromium runs in a process of their own (a sandboxed iframe is one) become
        targets of their own: auto-attach gives each a session."""
        self.call("Target.setAutoAttach", self.session, autoAttach=True, waitForDebuggerOnStart=False, flatten=True)
        self.call("Page.enable", self.session)
        self.call("Page.navigate", self.session, url=url)
        self.wait_event("Page.loadEventFired")

    def evaluate_in_frames(self, expression):
        """`expression`'s value in each child frame of the page, in page order: evaluated in the
        frame's own session (out-of-process frames) or in an isolated world of it (in-process
        ones); either way it reads the DOM the frame's scripts left."""
        values = []
        for e in [e for e in self.events if e.get("method") == "Target.attachedToTarget"]:
            if e["params"]["targetInfo"]["type"] == "iframe":
                result = self.call("Runtime.evaluate", e["params"]["sessionId"], expression=expression,
                                   returnByValue=True)
                values.append(result["result"].get("value"))
        tree = self.call("Page.getFrameTree", self.session)["frameTree"]
        for child in tree.get("childFrames", []):
            context = self.call("Page.createIsolatedWorld", self.session,
                                frameId=child["frame"]["id"])["executionContextId"]
            result = self.call("Runtime.evaluate", self.session, expression=expression, contextId=context,
                               returnByValue=True)
            values.append(result["result"].get("value"))
        return values

    def close(self):
        try:
            self.call("Browser.close")
        except AssertionError:
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self.cmd_w)
        os.close(self.resp_r)
        shutil.rmtree(self.profile, ignore_errors=True)

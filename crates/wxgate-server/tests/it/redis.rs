//! A private `redis-server` child on its own port, so that killing, stopping or restarting it
//! touches nobody else's tests.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn redis_required() -> bool {
    std::env::var("WXGATE_REQUIRE_REDIS").is_ok_and(|value| value == "1")
}

/// A `redis-server` child on a free port, killed on drop.
pub(crate) struct PrivateRedis {
    port: u16,
    password: Option<&'static str>,
    child: Option<Child>,
}

impl PrivateRedis {
    /// Starts one on a free port, with `password` if given.
    pub(crate) fn spawn(password: Option<&'static str>) -> std::io::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut redis = Self {
            port,
            password,
            child: None,
        };
        redis.try_restart()?;
        Ok(redis)
    }

    /// Starts one without a password, or `None` (test skipped) when `redis-server` cannot
    /// start and Redis is not required.
    pub(crate) fn start_or_skip() -> Option<Self> {
        match Self::spawn(None) {
            Ok(redis) => Some(redis),
            Err(e) => {
                assert!(
                    !redis_required(),
                    "WXGATE_REQUIRE_REDIS=1 but redis-server cannot start: {e}"
                );
                eprintln!("skipped: redis-server cannot start: {e}");
                None
            }
        }
    }

    pub(crate) fn url(&self) -> String {
        match self.password {
            Some(password) => format!("redis://:{password}@127.0.0.1:{}/", self.port),
            None => format!("redis://127.0.0.1:{}/", self.port),
        }
    }

    /// (Re)starts the server on the same port and waits until it answers.
    pub(crate) fn restart(&mut self) {
        if let Err(e) = self.try_restart() {
            panic!("redis-server did not restart on {}: {e}", self.port);
        }
    }

    fn try_restart(&mut self) -> std::io::Result<()> {
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"]);
        if let Some(password) = self.password {
            command.args(["--requirepass", password]);
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(std::io::Error::other(format!(
            "redis-server did not listen on {}",
            self.port
        )))
    }

    /// Sends `signal` (`-STOP`, `-CONT`) to the server.
    pub(crate) fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status().unwrap();
        assert!(status.success(), "kill {signal} {pid}");
    }

    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

//! The read requests: `GET <query>` and `LIST <query>`, each reply read by nut-core's
//! [`Reply::parse`] and checked with [`Reply::answers`] / [`Reply::is_item_of`] to answer
//! what was asked (else, as C's `upscli_get` and `upscli_list_next`, a protocol error).

use nut_core::net::{ListQuery, Reply, Request, VarType};

use super::{Client, ClientError};

/// Upper bound on the lines of one LIST reply (defence against an endless list).
const MAX_LIST_LINES: usize = 100_000;

impl Client {
    /// `GET <query>`: the reply, checked to answer it.
    async fn get(&mut self, req: Request) -> Result<Reply, ClientError> {
        let reply = self.request(&req.to_line()).await?;
        if reply.answers(&req) {
            Ok(reply)
        } else {
            Err(ClientError::Protocol)
        }
    }

    /// A `GET` whose answer is one string: the value or the description.
    async fn get_text(&mut self, req: Request) -> Result<String, ClientError> {
        match self.get(req).await? {
            Reply::Var { value: text, .. }
            | Reply::Desc { desc: text, .. }
            | Reply::CmdDesc { desc: text, .. }
            | Reply::UpsDesc { desc: text, .. } => Ok(text),
            _ => Err(ClientError::Protocol),
        }
    }

    /// `LIST <query>`: the item lines between `BEGIN LIST <query>` and `END LIST`.
    async fn list(&mut self, query: ListQuery) -> Result<Vec<Reply>, ClientError> {
        let timeout = self.timeout;
        let request_line = Request::from(query.clone()).to_line();
        let fut = async {
            self.conn.write_line(&request_line).await?;
            match self.read_reply().await? {
                Reply::BeginList(begin) if query.echoed_by(&begin) => {}
                _ => return Err(ClientError::Protocol),
            }
            let mut items = Vec::new();
            loop {
                let reply = self.read_reply().await?;
                if let Reply::EndList(_) = reply {
                    return Ok(items);
                }
                if !reply.is_item_of(&query) {
                    return Err(ClientError::Protocol);
                }
                if items.len() >= MAX_LIST_LINES {
                    return Err(ClientError::Parse("list too long".into()));
                }
                items.push(reply);
            }
        };
        tokio::time::timeout(timeout, fut)
            .await
            .map_err(|_| ClientError::Timeout(timeout.as_secs()))?
    }

    /// A `LIST` whose items are `(name, text)`: UPS and description, variable and value.
    async fn list_pairs(&mut self, query: ListQuery) -> Result<Vec<(String, String)>, ClientError> {
        let items = self.list(query).await?;
        items
            .into_iter()
            .map(|item| match item {
                Reply::Ups { ups: a, desc: b }
                | Reply::Var {
                    var: a, value: b, ..
                }
                | Reply::Rw {
                    var: a, value: b, ..
                } => Ok((a, b)),
                _ => Err(ClientError::Protocol),
            })
            .collect()
    }

    /// A `LIST` whose items are one word: a command, an address, an enum value.
    async fn list_words(&mut self, query: ListQuery) -> Result<Vec<String>, ClientError> {
        let items = self.list(query).await?;
        items
            .into_iter()
            .map(|item| match item {
                Reply::Cmd { cmd: word, .. }
                | Reply::Client { addr: word, .. }
                | Reply::Enum { value: word, .. } => Ok(word),
                _ => Err(ClientError::Protocol),
            })
            .collect()
    }

    /// `GET VAR <ups> <var>`: the value.
    pub async fn get_var(&mut self, ups: &str, var: &str) -> Result<String, ClientError> {
        let (ups, var) = (ups.into(), var.into());
        self.get_text(Request::GetVar { ups, var }).await
    }

    /// `GET UPSDESC <ups>`.
    pub async fn get_upsdesc(&mut self, ups: &str) -> Result<String, ClientError> {
        self.get_text(Request::GetUpsDesc { ups: ups.into() }).await
    }

    /// `GET DESC <ups> <var>`.
    pub async fn get_desc(&mut self, ups: &str, var: &str) -> Result<String, ClientError> {
        let (ups, var) = (ups.into(), var.into());
        self.get_text(Request::GetDesc { ups, var }).await
    }

    /// `GET CMDDESC <ups> <cmd>`.
    pub async fn get_cmddesc(&mut self, ups: &str, cmd: &str) -> Result<String, ClientError> {
        let (ups, cmd) = (ups.into(), cmd.into());
        self.get_text(Request::GetCmdDesc { ups, cmd }).await
    }

    /// `GET NUMLOGINS <ups>`.
    pub async fn get_numlogins(&mut self, ups: &str) -> Result<u32, ClientError> {
        match self.get(Request::GetNumLogins { ups: ups.into() }).await? {
            Reply::NumLogins { count, .. } => {
                u32::try_from(count).map_err(|_| ClientError::InvalidResponse)
            }
            _ => Err(ClientError::Protocol),
        }
    }

    /// `GET TYPE <ups> <var>`: the type words (`RW`, `ENUM`, `RANGE`, `STRING:n`, `NUMBER`).
    pub async fn get_type(&mut self, ups: &str, var: &str) -> Result<Vec<VarType>, ClientError> {
        let (ups, var) = (ups.into(), var.into());
        match self.get(Request::GetType { ups, var }).await? {
            Reply::Type { types, .. } => Ok(types),
            _ => Err(ClientError::Protocol),
        }
    }

    /// `LIST UPS`: `(name, description)` in server order.
    pub async fn list_ups(&mut self) -> Result<Vec<(String, String)>, ClientError> {
        self.list_pairs(ListQuery::Ups).await
    }

    /// `LIST VAR <ups>`: `(name, value)`.
    pub async fn list_var(&mut self, ups: &str) -> Result<Vec<(String, String)>, ClientError> {
        self.list_pairs(ListQuery::Var { ups: ups.into() }).await
    }

    /// `LIST RW <ups>`: `(name, value)`.
    pub async fn list_rw(&mut self, ups: &str) -> Result<Vec<(String, String)>, ClientError> {
        self.list_pairs(ListQuery::Rw { ups: ups.into() }).await
    }

    /// `LIST CMD <ups>`: command names.
    pub async fn list_cmd(&mut self, ups: &str) -> Result<Vec<String>, ClientError> {
        self.list_words(ListQuery::Cmd { ups: ups.into() }).await
    }

    /// `LIST CLIENT <ups>`: client addresses.
    pub async fn list_client(&mut self, ups: &str) -> Result<Vec<String>, ClientError> {
        self.list_words(ListQuery::Client { ups: ups.into() }).await
    }

    /// `LIST ENUM <ups> <var>`: the allowed values.
    pub async fn list_enum(&mut self, ups: &str, var: &str) -> Result<Vec<String>, ClientError> {
        let (ups, var) = (ups.into(), var.into());
        self.list_words(ListQuery::Enum { ups, var }).await
    }

    /// `LIST RANGE <ups> <var>`: `(min, max)` pairs.
    pub async fn list_range(
        &mut self,
        ups: &str,
        var: &str,
    ) -> Result<Vec<(i64, i64)>, ClientError> {
        let (ups, var) = (ups.into(), var.into());
        let items = self.list(ListQuery::Range { ups, var }).await?;
        items
            .into_iter()
            .map(|item| match item {
                Reply::Range { min, max, .. } => Ok((min, max)),
                _ => Err(ClientError::Protocol),
            })
            .collect()
    }
}

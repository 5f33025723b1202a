//! The requests that change something or authenticate, whose success reply is `OK`
//! (`OK TRACKING <id>` with tracking on), and `GET TRACKING <id>`.

use nut_core::net::{ErrCode, OkMessage, Reply, Request};

use super::{Client, ClientError};

/// Result of `GET TRACKING <id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrackingResult {
    /// The driver has not answered yet.
    Pending,
    /// The driver reported success.
    Success,
    /// The driver reported a failure (`ERR UNKNOWN`, `ERR INVALID-ARGUMENT`, `ERR FAILED`).
    Failed(ErrCode),
}

impl Client {
    /// A command whose success reply is `OK`: its message, if any.
    pub(super) async fn ok_command(
        &mut self,
        request_line: &str,
    ) -> Result<Option<OkMessage>, ClientError> {
        match self.request(request_line).await? {
            Reply::Ok => Ok(None),
            Reply::OkMessage(msg) => Ok(Some(msg)),
            _ => Err(ClientError::InvalidResponse),
        }
    }

    /// A command answered `OK` or `OK TRACKING <id>`: the tracking id, if one came.
    async fn tracked_command(&mut self, req: Request) -> Result<Option<String>, ClientError> {
        match self.ok_command(&req.to_line()).await? {
            Some(OkMessage::Tracking(id)) => Ok(Some(id.to_string())),
            _ => Ok(None),
        }
    }

    /// `USERNAME` then `PASSWORD` (quoted as needed, so spaces work).
    pub async fn authenticate(&mut self, user: &str, password: &str) -> Result<(), ClientError> {
        self.ok_command(&Request::Username(user.into()).to_line())
            .await?;
        // The password's copies (the request and its line) are wiped once sent.
        let mut request = Request::Password(password.into());
        let line = zeroize::Zeroizing::new(request.to_line());
        if let Request::Password(p) = &mut request {
            zeroize::Zeroize::zeroize(p);
        }
        self.ok_command(&line).await?;
        Ok(())
    }

    /// `LOGIN <ups>`.
    pub async fn login(&mut self, ups: &str) -> Result<(), ClientError> {
        self.ok_command(&Request::Login { ups: ups.into() }.to_line())
            .await
            .map(drop)
    }

    /// `PRIMARY <ups>`, falling back to `MASTER <ups>` on anything that is not `OK`.
    pub async fn primary(&mut self, ups: &str) -> Result<(), ClientError> {
        match self
            .ok_command(&Request::Primary { ups: ups.into() }.to_line())
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_fatal() && !matches!(e, ClientError::InvalidResponse) => Err(e),
            Err(_) => self
                .ok_command(&Request::Master { ups: ups.into() }.to_line())
                .await
                .map(drop),
        }
    }

    /// `FSD <ups>`.
    pub async fn fsd(&mut self, ups: &str) -> Result<(), ClientError> {
        self.ok_command(&Request::Fsd { ups: ups.into() }.to_line())
            .await
            .map(drop)
    }

    /// `SET TRACKING ON|OFF`.
    pub async fn set_tracking(&mut self, on: bool) -> Result<(), ClientError> {
        self.ok_command(&Request::SetTracking(on).to_line())
            .await
            .map(drop)
    }

    /// `SET VAR <ups> <var> <value>`: the tracking id when tracking is on.
    pub async fn set_var(
        &mut self,
        ups: &str,
        var: &str,
        value: &str,
    ) -> Result<Option<String>, ClientError> {
        self.tracked_command(Request::SetVar {
            ups: ups.into(),
            var: var.into(),
            value: value.into(),
        })
        .await
    }

    /// `INSTCMD <ups> <cmd> [<param>]`: the tracking id when tracking is on.
    pub async fn instcmd(
        &mut self,
        ups: &str,
        cmd: &str,
        param: Option<&str>,
    ) -> Result<Option<String>, ClientError> {
        self.tracked_command(Request::InstCmd {
            ups: ups.into(),
            cmd: cmd.into(),
            param: param.map(Into::into),
        })
        .await
    }

    /// `GET TRACKING <id>`.
    pub async fn get_tracking(&mut self, id: &str) -> Result<TrackingResult, ClientError> {
        match self
            .request(&Request::GetTracking(Some(id.into())).to_line())
            .await
        {
            Ok(Reply::Pending) => Ok(TrackingResult::Pending),
            Ok(Reply::Success) => Ok(TrackingResult::Success),
            Ok(_) => Err(ClientError::InvalidResponse),
            Err(ClientError::Server { code, .. })
                if matches!(
                    code,
                    ErrCode::Unknown | ErrCode::InvalidArgument | ErrCode::Failed
                ) =>
            {
                Ok(TrackingResult::Failed(code))
            }
            Err(e) => Err(e),
        }
    }
}
